import { Injectable, type PipeTransform } from '@nestjs/common';
import { AppError } from './app-error.js';

/**
 * For a route whose body is optional: no body at all is fine, but a body that is there must be a
 * JSON object (the global ValidationPipe lets `null` through as "no body").
 */
@Injectable()
export class OptionalObjectBodyPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (value === undefined) return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new AppError(400, 'VALIDATION_ERROR', 'The body must be a JSON object (or absent)', [{ field: 'body', errors: ['must be a JSON object'] }]);
    }
    return value;
  }
}
