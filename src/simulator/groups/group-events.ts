/** Simulator events about groups (merged into SimulatorEventMap). */
import type { GroupInboxMessage } from './group-messaging.js';

export interface GroupEventMap {
  /** A group changed (create, participants, subject, …): `change` is the w:gp2 child's tag. */
  groupChanged: { jid: string; actor: string; change: string };
  /** A session's device sent a `w:g2` IQ (`query`: its first child, e.g. `query` for a metadata read). */
  groupIq: { phoneNumber: string | null; type: string; to: string; query: string };
  /** The simulated members decrypted a message a session sent to a group (`decryptedBy`: member phones). */
  groupMessage: GroupInboxMessage & { group: string; decryptedBy: string[] };
  /** A simulated member's message was handed to the member accounts' devices. */
  groupInbound: { id: string; group: string; from: string; skdmTo: string[] };
}
