import { Injectable, type PipeTransform } from '@nestjs/common';
import { AppError } from '../common/app-error.js';

/** `:jid` of a sandbox group: `<digits>@g.us` or its bare digits; answers the full jid. */
@Injectable()
export class GroupJidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const match = /^(\d{6,30})(@g\.us)?$/.exec(value);
    if (!match) throw new AppError(400, 'VALIDATION_ERROR', 'jid must be a group jid such as 120363123456789012@g.us');
    return `${match[1]}@g.us`;
  }
}
