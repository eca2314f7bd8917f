/**
 * Standard base64 text (RFC 4648 §4, padded), checked in one linear pass. class-validator's
 * IsBase64 runs a backtracking regular expression that, on the multi-megabyte media a sandbox
 * contact sends, can throw once V8 has compiled it (a 400 "Invalid body" for a valid file).
 */
import { ValidateBy, type ValidationOptions } from 'class-validator';

const PLUS = 43, SLASH = 47, EQUALS = 61;
const isAlphabet = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === PLUS || c === SLASH;

export function isBase64Text(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length % 4 !== 0) return false;
  let end = value.length;
  if (value.charCodeAt(end - 1) === EQUALS) end -= value.charCodeAt(end - 2) === EQUALS ? 2 : 1;
  for (let i = 0; i < end; i++) if (!isAlphabet(value.charCodeAt(i))) return false;
  return true;
}

export const IsBase64Text = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy({ name: 'isBase64Text', validator: { validate: isBase64Text, defaultMessage: () => '$property must be base64 encoded' } }, options);
