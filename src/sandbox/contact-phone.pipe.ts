import { Injectable, type PipeTransform } from '@nestjs/common';
import { AppError } from '../common/app-error.js';

/** `:phoneNumber` of a sandbox contact: digits with the country code (spaces, +, - and brackets dropped). */
@Injectable()
export class ContactPhonePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const digits = value.replace(/[\s+\-()]/g, '');
    if (!/^\d{6,15}$/.test(digits)) throw new AppError(400, 'VALIDATION_ERROR', 'phoneNumber must be 6 to 15 digits with the country code');
    return digits;
  }
}
