import { BadRequestException, HttpStatus, NotFoundException } from '@nestjs/common';
import { AppError } from './app-error.js';
import { renderError } from './error-body.js';

describe('renderError', () => {
  it.each([
    ['an AppError', new AppError(HttpStatus.CONFLICT, 'CONFLICT', 'Already there', { id: 1 }), 409, 'Already there'],
    ['a Nest HttpException', new NotFoundException('Nothing here'), 404, 'Nothing here'],
    ['a validation failure', new BadRequestException({ message: ['name must be a string'] }), 400, 'Validation failed'],
    ['a Fastify client error', Object.assign(new Error('bad json'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), 400, 'Malformed JSON body'],
    ['anything else', new Error('secret internals'), 500, 'Internal server error'],
  ])('gives %s a top-level message equal to error.message (seed 001 reads result.message)', (_name, err, status, message) => {
    const rendered = renderError(err, 'rid-7');
    expect(rendered.status).toBe(status);
    expect(rendered.body.message).toBe(message);
    expect(rendered.body.error.message).toBe(message);
    expect(Object.keys(rendered.body)).toEqual(['success', 'error', 'message', 'requestId']);
    expect(rendered.body.requestId).toBe('rid-7');
  });
});
