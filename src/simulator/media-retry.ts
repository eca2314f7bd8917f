/**
 * Media re-upload requests (the phone re-hosting media WhatsApp's CDN no longer has), as WhatsApp
 * relays them: a session sends `<receipt type="server-error" id><encrypt/><rmr jid from_me/></receipt>`
 * (Baileys' `updateMediaMessage`); the contact's phone uploads the file again and the session gets
 * `<notification type="mediaretry" id><encrypt><enc_p/><enc_iv/></encrypt><rmr/></notification>`,
 * where enc_p is `MediaRetryNotification { stanzaId, directPath, result }` sealed with AES-256-GCM
 * under HKDF(mediaKey, "WhatsApp Media Retry Notification"), the message id as associated data.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { proto } from '@whiskeysockets/baileys';
import { child, node, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { MediaHost } from './media-host.js';

const MEDIA_FIELDS = ['imageMessage', 'videoMessage', 'audioMessage', 'documentMessage', 'stickerMessage'] as const;

export type InboundLookup = (id: string) => { from: string; message: proto.IMessage } | undefined;

function sealed(plain: Uint8Array, mediaKey: Uint8Array, messageId: string): { ciphertext: Buffer; iv: Buffer } {
  const key = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(0), 'WhatsApp Media Retry Notification', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(messageId));
  return { ciphertext: Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]), iv };
}

/** Answers a session's re-upload request for a message a contact sent it. */
export function answerMediaRetry(conn: SimConnection, receipt: BinaryNode, host: MediaHost | undefined, lookup: InboundLookup): void {
  const id = receipt.attrs.id;
  const rmr = child(receipt, 'rmr');
  if (!id || !rmr) return;
  const message = lookup(id)?.message;
  const media = message ? MEDIA_FIELDS.map((f) => message[f]).find((m) => m?.mediaKey && m.directPath) : undefined;
  const rehosted = media && host ? host.reupload(media.directPath!) : undefined;
  const rmrNode = node('rmr', { jid: rmr.attrs.jid, from_me: rmr.attrs.from_me, participant: rmr.attrs.participant });
  const attrs = { from: receipt.attrs.to, id, type: 'mediaretry', t: String(Math.floor(Date.now() / 1000)) };
  if (!media?.mediaKey) {
    conn.send(node('notification', attrs, [rmrNode, node('error', { code: String(proto.MediaRetryNotification.ResultType.NOT_FOUND) })]));
    return;
  }
  const result = rehosted ? proto.MediaRetryNotification.ResultType.SUCCESS : proto.MediaRetryNotification.ResultType.NOT_FOUND;
  const plain = proto.MediaRetryNotification.encode({ stanzaId: id, directPath: rehosted?.directPath, result }).finish();
  const { ciphertext, iv } = sealed(plain, media.mediaKey, id);
  conn.send(node('notification', attrs, [node('encrypt', {}, [node('enc_p', {}, ciphertext), node('enc_iv', {}, iv)]), rmrNode]));
}
