/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-signature` is
 * `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`.
 *
 * The key: a `whsec_<base64>` secret is decoded as Standard Webhooks prescribes; any other
 * WEBHOOK_SECRET string is used as-is (its UTF-8 bytes are the HMAC key), which is what a receiver
 * that only knows "the shared secret" computes with plain HMAC. README (webhooks) shows both.
 */
import { Webhook } from 'standardwebhooks';

export function createWebhookSigner(secret: string): Webhook {
  if (secret.startsWith('whsec_')) return new Webhook(secret);
  return new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
}

export interface CallbackHeaderInput {
  webhookId: string;
  body: string;
  now: Date;
  apiKey?: string;
  signer?: Webhook;
}

export function buildCallbackHeaders(input: CallbackHeaderInput): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(Math.floor(input.now.getTime() / 1000)),
  };
  if (input.apiKey) headers['x-api-key'] = input.apiKey;
  if (input.signer) headers['webhook-signature'] = input.signer.sign(input.webhookId, input.now, input.body);
  return headers;
}
