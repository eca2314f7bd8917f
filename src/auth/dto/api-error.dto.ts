/** OpenAPI description of the one error shape, and a decorator to document error statuses. */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

class ApiErrorDetailDto {
  @ApiProperty({ example: 'UNAUTHORIZED' }) code: string;
  @ApiProperty({ example: 'Invalid access token' }) message: string;
  @ApiPropertyOptional({ example: [{ field: 'password', errors: ['password must be at least 10 characters'] }] }) details?: unknown;
}

export class ApiErrorDto {
  @ApiProperty({ example: false }) success: false;
  @ApiProperty({ type: ApiErrorDetailDto }) error: ApiErrorDetailDto;
  @ApiProperty({ description: 'The same text as error.message (seed 001 clients read result.message)', example: 'Invalid access token' }) message: string;
  @ApiProperty({ example: '6f1c2e0a-3b1d-4f0e-9a55-8d0c2b7e4a11' }) requestId: string;
}

const EXAMPLE_ERRORS: Record<number, { code: string; message: string; details?: unknown }> = {
  400: { code: 'VALIDATION_ERROR', message: 'password must be at least 10 characters', details: [{ field: 'password', errors: ['password must be at least 10 characters'] }] },
  401: { code: 'UNAUTHORIZED', message: 'Invalid access token' },
  403: { code: 'FORBIDDEN', message: 'This operation requires the admin role' },
  404: { code: 'NOT_FOUND', message: 'Not found' },
  409: { code: 'CONFLICT', message: 'An account with this e-mail address already exists' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
  429: { code: 'TOO_MANY_REQUESTS', message: 'Too many failed logins; try again later', details: { retryAfterSeconds: 840 } },
};

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (malformed JSON, missing/extra fields, wrong types, out-of-range values)',
  401: 'Missing, invalid or expired credentials',
  403: 'Authenticated but not allowed (role)',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  429: 'Too many requests; see the Retry-After header',
};

/** `@ApiErrors(400, 401)` or `@ApiErrors([409, 'E-mail already registered'])`. */
export function ApiErrors(...statuses: Array<number | [number, string]>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((s) => {
      const [status, description] = Array.isArray(s) ? s : [s, DEFAULT_DESCRIPTIONS[s] ?? 'Error'];
      const error = EXAMPLE_ERRORS[status] ?? { code: 'BAD_REQUEST', message: description };
      return ApiResponse({
        status,
        description,
        type: ApiErrorDto,
        example: { success: false, error, message: error.message, requestId: '6f1c2e0a-3b1d-4f0e-9a55-8d0c2b7e4a11' },
        ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', example: 840 } } } } : {}),
      });
    }),
  );
}
