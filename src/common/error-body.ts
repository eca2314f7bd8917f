/** Turns any thrown value into the contract's one error shape, with the HTTP status to send. */
import { HttpException } from '@nestjs/common';
import { AppError, codeForStatus, type ErrorBody } from './app-error.js';

export interface RenderedError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: unknown;
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Empty JSON body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Invalid content length',
};

export function renderError(err: unknown, requestId: string): RenderedError {
  const rendered = renderErrorBody(err, requestId);
  // Seed 001's client helper reads `result.message`: the same text as `error.message`.
  const { success, error } = rendered.body;
  return { ...rendered, body: { success, error, message: error.message, requestId } };
}

function renderErrorBody(err: unknown, requestId: string): Omit<RenderedError, 'body'> & { body: Omit<ErrorBody, 'message'> } {
  if (err instanceof AppError) {
    return {
      status: err.getStatus(),
      headers: err.headers ?? {},
      body: { success: false, error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) }, requestId },
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    let message = err.message;
    let details: unknown;
    if (typeof response === 'object' && response !== null) {
      const r = response as { message?: unknown };
      if (Array.isArray(r.message)) {
        details = r.message;
        message = 'Validation failed';
      } else if (typeof r.message === 'string') {
        message = r.message;
      }
    }
    if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD)/.test(message)) message = 'Route not found';
    return {
      status,
      headers: {},
      body: { success: false, error: { code: codeForStatus(status), message, ...(details === undefined ? {} : { details }) }, requestId },
    };
  }
  const fe = err as FastifyLikeError;
  if (fe && typeof fe === 'object' && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const message = (fe.code && FASTIFY_MESSAGES[fe.code]) ?? fe.message ?? 'Bad request';
    return { status: fe.statusCode, headers: {}, body: { success: false, error: { code: codeForStatus(fe.statusCode), message }, requestId } };
  }
  return {
    status: 500,
    headers: {},
    body: { success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal server error' }, requestId },
  };
}
