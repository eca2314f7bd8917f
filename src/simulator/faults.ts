/**
 * The stanzas behind each fault, and the close code Baileys rc14 maps them to (WA-PROTOCOL.md §4):
 * device removed → 401, replaced → 440, restart required → 515, `<stream:error code=N>` → N,
 * bare stream error → 500, xmlstreamend / socket close → 428, downgrade → 411, failure → its reason.
 */
import { randomBytes } from 'node:crypto';
import { node, type BinaryNode } from './binary.js';

export const faultNodes = {
  deviceRemoved: (): BinaryNode => node('stream:error', { code: '401' }, [node('conflict', { type: 'device_removed' })]),
  replaced: (): BinaryNode => node('stream:error', {}, [node('conflict', { type: 'replaced' })]),
  restartRequired: (): BinaryNode => node('stream:error', { code: '515' }),
  streamError: (code?: number): BinaryNode => (code === undefined ? node('stream:error') : node('stream:error', { code: String(code) })),
  streamEnd: (): BinaryNode => node('xmlstreamend'),
  failure: (reason: number): BinaryNode => node('failure', { reason: String(reason) }),
  downgrade: (): BinaryNode => node('ib', {}, [node('downgrade_webclient')]),
  /** A pair-device with no refs: the client ends at once with 408 "QR refs attempts ended". */
  noMoreRefs: (): BinaryNode => node('iq', { from: 's.whatsapp.net', type: 'set', xmlns: 'md', id: randomBytes(4).toString('hex') }, [node('pair-device')]),
};
