/**
 * Phone numbers in request bodies: digits with the country code, 6 to 15 of them. Spaces, "+", "-"
 * and parentheses are dropped first, so "+54 9 11 2222-3333" is accepted as 5491122223333.
 */
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, Matches } from 'class-validator';

export const PHONE_DIGITS = /^\d{6,15}$/;

/** The digits of a typed phone number (anything that is not a string is left for the validators). */
export const phoneDigitsOf = (value: unknown): unknown => (typeof value === 'string' ? value.replace(/[\s+\-()]/g, '') : value);

/**
 * A body field holding a phone number (`each`: an array of them; add the array's own size checks
 * beside it). The message names the field: "`name` must be 6 to 15 digits with the country code".
 */
export function IsPhoneDigits(name: string, options: { each?: boolean } = {}): PropertyDecorator {
  const each = options.each === true;
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (each && Array.isArray(value) ? value.map(phoneDigitsOf) : phoneDigitsOf(value))),
    IsString({ each }),
    Matches(PHONE_DIGITS, { each, message: `${name} must be 6 to 15 digits with the country code` }),
  );
}
