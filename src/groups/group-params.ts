/** Path parameters of /groups: a group jid and an invite code, validated (400) before anything runs. */
import { Injectable, type PipeTransform } from '@nestjs/common';
import { AppError } from '../common/app-error.js';

/** `:jid`: `<digits>@g.us` (or `<digits>-<digits>@g.us`, older groups) or its bare digits; answers the full jid. */
@Injectable()
export class GroupJidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const match = /^(\d{5,30}(?:-\d{5,20})?)(@g\.us)?$/.exec(typeof value === 'string' ? value.trim() : '');
    if (!match) throw new AppError(400, 'VALIDATION_ERROR', 'jid must be a group jid such as 120363041234567890@g.us', [{ field: 'jid', errors: ['invalid group jid'] }]);
    return `${match[1]}@g.us`;
  }
}

/** An invite code, or a whole `https://chat.whatsapp.com/<code>` link; answers the code. */
export function parseInviteCode(value: string): string {
  const code = value.trim().replace(/^https?:\/\/chat\.whatsapp\.com\//i, '');
  if (!/^[A-Za-z0-9_-]{6,64}$/.test(code)) throw new AppError(400, 'VALIDATION_ERROR', 'code must be a WhatsApp group invite code', [{ field: 'code', errors: ['invalid invite code'] }]);
  return code;
}

@Injectable()
export class InviteCodePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return parseInviteCode(value);
  }
}
