/** The text of the auth module's mails. Links point at the SPA (PUBLIC_BASE_URL). */
import type { OutgoingMail } from './mailer.port.js';

export interface MailRecipient {
  id: string;
  email: string;
  name: string;
}

function link(baseUrl: string, path: string, params: Record<string, string>): string {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

export function verificationMail(user: MailRecipient, token: string, baseUrl: string, ttlSeconds: number): OutgoingMail {
  const url = link(baseUrl, 'verify-email', { userId: user.id, token });
  return {
    to: user.email,
    subject: 'Confirm your e-mail address',
    purpose: 'verify_email',
    text: [
      `Hello ${user.name},`,
      '',
      `Confirm your e-mail address by opening this link (valid for ${Math.round(ttlSeconds / 60)} minutes):`,
      url,
      '',
      `Or call POST /users/${user.id}/verify with {"token": "${token}"}.`,
    ].join('\n'),
  };
}

export function passwordResetMail(user: MailRecipient, token: string, baseUrl: string, ttlSeconds: number): OutgoingMail {
  const url = link(baseUrl, 'reset-password', { token });
  return {
    to: user.email,
    subject: 'Reset your password',
    purpose: 'password_reset',
    text: [
      `Hello ${user.name},`,
      '',
      `Someone asked to reset your password. Open this link to choose a new one (valid for ${Math.round(ttlSeconds / 60)} minutes):`,
      url,
      '',
      `Or call POST /auth/password-reset/confirm with {"token": "${token}", "password": "<new password>"}.`,
      'If it was not you, ignore this mail: your password stays as it is.',
    ].join('\n'),
  };
}

/** To the owner of an address someone tried to sign up with again (sign-up answers as if it were new). */
export function accountExistsMail(user: MailRecipient, baseUrl: string): OutgoingMail {
  return {
    to: user.email,
    subject: 'You already have an account',
    purpose: 'account_exists',
    text: [
      `Hello ${user.name},`,
      '',
      'Someone (perhaps you) tried to sign up with this e-mail address, which already has an account. No new account was made.',
      `Log in at ${link(baseUrl, '', {})}, or ask for a password reset there if you forgot your password.`,
      'If it was not you, ignore this mail: nothing changed.',
    ].join('\n'),
  };
}
