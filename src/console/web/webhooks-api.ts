/** REST calls of the Webhooks page (POST/GET/PATCH/DELETE /webhooks), and the event types from the OpenAPI document. */
import { api } from './api.js';

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  sessionIds: string[] | null;
  enabled: boolean;
  description: string | null;
  disabledReason: string | null;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  event: string;
  sessionId: string;
  status: 'pending' | 'delivering' | 'delivered' | 'dead';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
}

export const listWebhooks = async (): Promise<Webhook[]> => (await api<{ data: Webhook[] }>('GET', 'webhooks')).data;

export const createWebhook = (body: { url: string; events: string[]; sessionIds?: string[]; description?: string }): Promise<Webhook & { secret: string }> =>
  api('POST', 'webhooks', body);

export const setEnabled = (id: string, enabled: boolean): Promise<Webhook> => api('PATCH', `webhooks/${id}`, { enabled });
export const deleteWebhook = (id: string): Promise<unknown> => api('DELETE', `webhooks/${id}`);
export const rotateSecret = (id: string): Promise<Webhook & { secret: string }> => api('POST', `webhooks/${id}/rotate-secret`);
export const sendTest = (id: string): Promise<WebhookDelivery> => api('POST', `webhooks/${id}/test`);
export const listDeliveries = async (id: string): Promise<WebhookDelivery[]> =>
  (await api<{ data: WebhookDelivery[] }>('GET', `webhooks/${id}/deliveries?limit=50`)).data;
export const retryDelivery = (id: string, deliveryId: string): Promise<WebhookDelivery> => api('POST', `webhooks/${id}/deliveries/${deliveryId}/retry`);

/** The event types a subscription may choose, as the server's OpenAPI document lists them ("*" first). */
export async function fetchEventTypes(): Promise<string[]> {
  try {
    const response = await fetch('docs-json');
    const doc = (await response.json()) as { components?: { schemas?: Record<string, { properties?: Record<string, { items?: { enum?: string[] } }> }> } };
    return doc.components?.schemas?.CreateWebhookDto?.properties?.events?.items?.enum ?? ['*'];
  } catch {
    return ['*'];
  }
}
