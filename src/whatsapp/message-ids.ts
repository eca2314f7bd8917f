/** WhatsApp message ids chosen before a send (the paced queue: the id is known when the send is queued). */
import { generateMessageIDV2 } from '@whiskeysockets/baileys';

/** A new id in the form WhatsApp Web gives its own messages (`3EB0…`). */
export function newMessageId(): string {
  return generateMessageIDV2();
}
