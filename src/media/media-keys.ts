/**
 * Object keys: tenant first, then session and message for media that belongs to a WhatsApp message,
 * or the upload id for media sent to us through POST /media (not tied to a message yet).
 */

/** A key segment made only of characters every store and file system accepts. */
export function safeSegment(value: string, max = 120): string {
  const cleaned = value.normalize('NFKC').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned.slice(0, max) || 'file';
}

export function uploadKey(tenantId: string, mediaId: string, fileName: string): string {
  return `tenants/${tenantId}/uploads/${mediaId}/${safeSegment(fileName)}`;
}

/** Where a session's message media lives (deleted with the session's data). */
export function sessionPrefix(tenantId: string, sessionId: string): string {
  return `tenants/${tenantId}/sessions/${sessionId}/`;
}

export function messageKey(tenantId: string, sessionId: string, messageId: string, fileName: string): string {
  return `tenants/${tenantId}/sessions/${sessionId}/messages/${safeSegment(messageId)}/${safeSegment(fileName)}`;
}
