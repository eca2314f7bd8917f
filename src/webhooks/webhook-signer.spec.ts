import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { buildCallbackHeaders, createWebhookSigner } from './webhook-signer.js';

const BODY = JSON.stringify({ session_id: 's1', qr_data: '2@ABC', generated_at: '2026-11-22T10:30:00.000Z' });
const ID = 'c2d9e1f0-3a4b-4c5d-8e6f-7a8b9c0d1e2f';

describe('callback signing (Standard Webhooks)', () => {
  const secret = 'a-shared-secret-of-enough-length';

  it('sends the Standard Webhooks headers and the api key', () => {
    const now = new Date();
    const headers = buildCallbackHeaders({ webhookId: ID, body: BODY, now, apiKey: 'k-123', signer: createWebhookSigner(secret) });
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-api-key']).toBe('k-123');
    expect(headers['webhook-id']).toBe(ID);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('is HMAC-SHA256 of "id.timestamp.body" keyed by the secret bytes', () => {
    const now = new Date();
    const headers = buildCallbackHeaders({ webhookId: ID, body: BODY, now, signer: createWebhookSigner(secret) });
    const expected = createHmac('sha256', secret).update(`${ID}.${headers['webhook-timestamp']}.${BODY}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('verifies with standardwebhooks given the same secret, and fails with another', () => {
    const headers = buildCallbackHeaders({ webhookId: ID, body: BODY, now: new Date(), signer: createWebhookSigner(secret) });
    const receiver = new Webhook(`whsec_${Buffer.from(secret).toString('base64')}`);
    expect(receiver.verify(BODY, headers)).toEqual(JSON.parse(BODY));
    const raw = new Webhook(Buffer.from(secret), { format: 'raw' });
    expect(raw.verify(BODY, headers)).toEqual(JSON.parse(BODY));
    const wrong = new Webhook(`whsec_${Buffer.from('another-secret-entirely').toString('base64')}`);
    expect(() => wrong.verify(BODY, headers)).toThrow('No matching signature found');
    expect(() => receiver.verify(BODY.replace('2@ABC', '2@XYZ'), headers)).toThrow();
  });

  it('accepts a whsec_ secret as Standard Webhooks defines it (base64 key)', () => {
    const whsec = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const headers = buildCallbackHeaders({ webhookId: ID, body: BODY, now: new Date(), signer: createWebhookSigner(whsec) });
    expect(new Webhook(whsec).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('does not sign without a secret', () => {
    const headers = buildCallbackHeaders({ webhookId: ID, body: BODY, now: new Date() });
    expect(headers['webhook-signature']).toBeUndefined();
    expect(headers['x-api-key']).toBeUndefined();
  });
});
