/**
 * A session's proxy in the API (CONTRACT Part 3): `POST /sessions { proxy? }`, `PATCH /sessions/:id
 * { proxy }`. Answers show `scheme://host:port`, never the credentials (proxy-agents.ts).
 */
import { ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { parseProxyUrl } from '../whatsapp/proxy-url.js';

@ValidatorConstraint({ name: 'isProxyUrl' })
export class ProxyUrlConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && typeof parseProxyUrl(value) !== 'string';
  }

  defaultMessage(args: ValidationArguments): string {
    const problem = typeof args.value === 'string' ? parseProxyUrl(args.value) : 'proxy must be a string';
    return typeof problem === 'string' ? problem : 'proxy must be a proxy URL';
  }
}

export const PROXY_DESCRIPTION =
  'http://, https:// or socks5:// URL, credentials allowed (user:password@host:port); used by the session\'s WhatsApp socket, '
  + 'media uploads and downloads from its next connect. Answers show scheme://host:port only. Unset: WA_PROXY_URL, if the operator set one';
