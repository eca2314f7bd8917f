import { HttpStatus, Injectable, type PipeTransform } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { MESSAGE_ID } from './chats.dto.js';

/** A WhatsApp message id in a path: letters, digits and . _ : - only (else 400). */
@Injectable()
export class MessageIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!MESSAGE_ID.test(value)) {
      throw new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', 'Invalid message id', [{ field: 'messageId', errors: ['invalid message id'] }]);
    }
    return value;
  }
}
