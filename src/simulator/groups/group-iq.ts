/**
 * The `w:g2` IQs Baileys sends (WA-PROTOCOL-3 §1a): metadata, participating groups, create, leave,
 * participants add/remove/promote/demote (a code per participant), subject, description,
 * settings, ephemeral, invite code get/revoke, accept invite, invite info. Every one is answered
 * (a refused one with `<error code text>`); the changes are pushed by SimGroups as `w:gp2`.
 */
import { child, children, childrenByTag, iqError, iqResult, node, type BinaryNode } from '../binary.js';
import type { SimConnection } from '../connection.js';
import type { SimulatorCore } from '../core.js';
import { GroupError, type ParticipantAction, type SimGroups } from './group-service.js';
import { gidJid, participantNode } from './group-store.js';

const PARTICIPANT_ACTIONS = new Set(['add', 'remove', 'promote', 'demote']);

export function handleGroupIq(core: SimulatorCore, groups: SimGroups, conn: SimConnection, iq: BinaryNode): void {
  const actor = conn.device?.phoneNumber;
  if (!actor) {
    conn.send(iqError(iq, 401, 'not-authorized'));
    return;
  }
  try {
    const answer = answerGroupIq(groups, actor, iq);
    conn.send(iqResult(iq, answer));
  } catch (err) {
    if (err instanceof GroupError) conn.send(iqError(iq, err.code, err.text));
    else {
      core.logger.warn({ err }, 'simulator failed to answer a group iq');
      conn.send(iqError(iq, 500, 'internal-server-error'));
    }
  }
}

function answerGroupIq(groups: SimGroups, actor: string, iq: BinaryNode): BinaryNode[] | undefined {
  const { type, to = '' } = iq.attrs;
  const first = children(iq)[0];
  if (!first) throw new GroupError(400, 'bad-request');
  const toServer = to === '@g.us' || to === 'g.us';
  if (toServer) {
    switch (first.tag) {
      case 'participating':
        if (groups.participatingFailures > 0) {
          groups.participatingFailures -= 1;
          throw new GroupError(500, 'internal-server-error');
        }
        return [node('groups', {}, groups.groupsOf(actor).map((g) => groups.node(g)))];
      case 'create': {
        const phones = childrenByTag(first, 'participant').map((p) => phoneOrBadRequest(groups, p.attrs.jid));
        const { group } = groups.create(actor, first.attrs.subject ?? '', phones);
        return [groups.node(group)];
      }
      case 'leave': {
        groups.leave(actor, childrenByTag(first, 'group').map((g) => g.attrs.id ?? ''));
        return undefined;
      }
      case 'invite': {
        const code = first.attrs.code;
        if (!code) throw new GroupError(400, 'bad-request');
        if (type === 'get') return [groups.node(groups.inviteInfo(code))];
        return [node('group', { jid: gidJid(groups.acceptInvite(actor, code).id) })];
      }
      default:
        throw new GroupError(501, 'feature-not-implemented');
    }
  }
  if (!to.endsWith('@g.us')) throw new GroupError(400, 'bad-request');
  if (PARTICIPANT_ACTIONS.has(first.tag)) {
    const jids = childrenByTag(first, 'participant').map((p) => p.attrs.jid ?? '');
    const phones = jids.map((jid) => phoneOrBadRequest(groups, jid));
    const results = groups.participants(actor, to, first.tag as ParticipantAction, phones);
    const group = groups.get(to)!;
    return [
      node(
        first.tag,
        {},
        results.map((r, i) => {
          const p = participantNode(group, groups.person(r.phone), false);
          return node('participant', { ...p.attrs, jid: jids[i], error: r.code === '200' ? undefined : r.code });
        }),
      ),
    ];
  }
  switch (first.tag) {
    case 'query':
      return [groups.node(groups.forMember(to, actor))];
    case 'subject': {
      const body = first.content;
      const subject = Buffer.isBuffer(body) || body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : typeof body === 'string' ? body : '';
      groups.update(actor, to, { subject });
      return undefined;
    }
    case 'description': {
      const bodyNode = child(first, 'body');
      const raw = bodyNode?.content;
      const text = raw === undefined ? null : Buffer.isBuffer(raw) || raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : typeof raw === 'string' ? raw : null;
      groups.update(actor, to, { description: first.attrs.delete === 'true' ? null : text, id: first.attrs.id });
      return undefined;
    }
    case 'announcement':
    case 'not_announcement':
      groups.update(actor, to, { announce: first.tag === 'announcement' });
      return undefined;
    case 'locked':
    case 'unlocked':
      groups.update(actor, to, { locked: first.tag === 'locked' });
      return undefined;
    case 'ephemeral':
    case 'not_ephemeral':
      groups.update(actor, to, { ephemeral: first.tag === 'ephemeral' ? Number(first.attrs.expiration ?? 'NaN') : 0 });
      return undefined;
    case 'invite':
      return [node('invite', { code: type === 'get' ? groups.inviteCode(actor, to) : groups.revokeInvite(actor, to) })];
    default:
      throw new GroupError(501, 'feature-not-implemented');
  }
}

function phoneOrBadRequest(groups: SimGroups, jid: string | undefined): string {
  const phone = jid ? groups.phoneOfJid(jid) : undefined;
  if (!phone) throw new GroupError(400, 'bad-request');
  return phone;
}
