/** Errors that carry the contract's error code; the global filter renders every error as one shape. */
import { HttpException, HttpStatus } from '@nestjs/common';

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UNPROCESSABLE_ENTITY'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT'
  | 'EMAIL_NOT_VERIFIED'
  | 'SIGNUP_DISABLED'
  | 'SESSION_NOT_CONNECTED'
  | 'SESSION_LIMIT_REACHED'
  | 'REQUEST_TIMEOUT'
  | 'URI_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'SESSION_REQUIRED'
  | 'INVALID_CURSOR'
  | 'MISDIRECTED_REQUEST'
  | 'SESSION_OWNER_UNAVAILABLE'
  | 'MEDIA_QUOTA_EXCEEDED'
  | 'TOO_MANY_CONNECTIONS'
  | 'PHONE_IN_USE'
  | 'URL_NOT_ALLOWED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_IN_DOUBT'
  | 'QUEUE_ITEM_NOT_CANCELLABLE'
  | 'NOT_GROUP_ADMIN';

export interface ErrorBody {
  success: false;
  error: { code: ErrorCode; message: string; details?: unknown };
  /** The same text as `error.message` (seed 001's helper reads `result.message`). */
  message: string;
  requestId: string;
}

export class AppError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message, status);
  }

  static badRequest(message: string, details?: unknown): AppError {
    return new AppError(HttpStatus.BAD_REQUEST, 'BAD_REQUEST', message, details);
  }
  static unauthorized(message = 'Authentication required'): AppError {
    return new AppError(HttpStatus.UNAUTHORIZED, 'UNAUTHORIZED', message);
  }
  static forbidden(message = 'Not allowed'): AppError {
    return new AppError(HttpStatus.FORBIDDEN, 'FORBIDDEN', message);
  }
  static notFound(message = 'Not found'): AppError {
    return new AppError(HttpStatus.NOT_FOUND, 'NOT_FOUND', message);
  }
  static conflict(message: string, details?: unknown): AppError {
    return new AppError(HttpStatus.CONFLICT, 'CONFLICT', message, details);
  }
  static unprocessable(message: string, details?: unknown): AppError {
    return new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'UNPROCESSABLE_ENTITY', message, details);
  }
  static tooManyRequests(retryAfterSeconds: number, message = 'Too many requests'): AppError {
    return new AppError(HttpStatus.TOO_MANY_REQUESTS, 'TOO_MANY_REQUESTS', message, { retryAfterSeconds }, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
  static unavailable(message: string, code: ErrorCode = 'SERVICE_UNAVAILABLE'): AppError {
    return new AppError(HttpStatus.SERVICE_UNAVAILABLE, code, message);
  }
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}
