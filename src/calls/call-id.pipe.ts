import { Injectable, type PipeTransform } from '@nestjs/common';
import { AppError } from '../common/app-error.js';

/** WhatsApp's call ids are hex (32 digits today); anything else is a 400. */
@Injectable()
export class CallIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !/^[0-9A-Fa-f]{8,64}$/.test(value)) {
      throw AppError.badRequest('callId must be a WhatsApp call id (hex)', [{ field: 'callId', errors: ['invalid call id'] }]);
    }
    return value.toUpperCase();
  }
}
