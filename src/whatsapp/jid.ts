/** JID helpers: phone numbers in, digits out; LIDs never leak where a phone number is promised. */
import { jidDecode } from '@whiskeysockets/baileys';

export const PHONE_DIGITS = /^\d{6,15}$/;

/** `5491123456789` (digits, optional leading +, spaces or dashes) → `5491123456789@s.whatsapp.net`. */
export function phoneToJid(phone: string): string {
  const digits = phone.replace(/[\s+\-()]/g, '');
  if (!PHONE_DIGITS.test(digits)) throw new Error('invalid phone number');
  return `${digits}@s.whatsapp.net`;
}

export function isLidJid(jid: string | null | undefined): boolean {
  return typeof jid === 'string' && jid.endsWith('@lid');
}

/** The phone number (digits) of a phone-number JID, or null for a LID, group or broadcast. */
export function phoneFromJid(jid: string | null | undefined): string | null {
  if (!jid || !jid.endsWith('@s.whatsapp.net')) return null;
  const user = jidDecode(jid)?.user;
  return user && /^\d+$/.test(user) ? user : null;
}

