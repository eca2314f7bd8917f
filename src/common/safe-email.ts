/**
 * E-mail validation that never throws: validator's `isEmail` calls `decodeURIComponent`-style
 * code that raises URIError on a lone UTF-16 surrogate, so a string that is not well-formed
 * Unicode is refused before it gets there.
 */
import { isEmail, ValidateBy, type ValidationOptions } from 'class-validator';

// With the u flag a valid surrogate pair is one code point; only lone halves are category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

export function isSafeEmail(value: unknown): boolean {
  return typeof value === 'string' && !LONE_SURROGATE.test(value) && isEmail(value);
}

export function IsSafeEmail(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isEmail', validator: { validate: (value: unknown) => isSafeEmail(value), defaultMessage: () => '$property must be an email' } },
    options,
  );
}
