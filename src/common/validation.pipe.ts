import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError } from './app-error.js';
import { hasLoneSurrogate } from './postgres-text.js';

/** Largest `offset` a list accepts: beyond it a database `bigint` overflows (and no list is that long). */
export const MAX_OFFSET = 2_147_483_647;

interface FieldError {
  field: string;
  errors: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * DTO validation: unknown fields are rejected, types are not coerced silently in bodies. A
 * validator or transformer that throws on some input (a library's edge case) is that input's
 * fault, so it is a 400, never a 500.
 */
class SafeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') rejectLoneSurrogates(value, metadata.data ?? '');
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(400, 'VALIDATION_ERROR', `Invalid ${metadata.type === 'custom' ? 'input' : metadata.type}`);
    }
  }
}

/**
 * A lone UTF-16 surrogate (`"\ud800"` in JSON) is no character: WhatsApp could not show it and no
 * column could store it, so a request that holds one anywhere (a key too) is refused before it acts.
 */
function rejectLoneSurrogates(value: unknown, path: string, depth = 0): void {
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) {
      const field = path || 'input';
      const error = `${field} must be well-formed Unicode text (it holds a lone UTF-16 surrogate)`;
      throw new AppError(400, 'VALIDATION_ERROR', error, [{ field, errors: [error] }]);
    }
    return;
  }
  // Bodies deeper than 32 levels never get here (http-hardening.ts); the bound is a guard.
  if (!value || typeof value !== 'object' || depth > 64) return;
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (hasLoneSurrogate(key)) rejectLoneSurrogates(key, path, depth + 1);
    rejectLoneSurrogates(item, field, depth + 1);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new SafeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new AppError(400, 'VALIDATION_ERROR', details.map((d) => d.errors.join(', ')).join('; ') || 'Invalid request', details);
    },
  });
}
