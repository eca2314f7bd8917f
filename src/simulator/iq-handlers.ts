/**
 * Answers to the queries (`<iq>`) a Baileys client sends: keep-alive pings, prekey count / upload /
 * digest, passive, props, blocklist, privacy, usync device and LID look-ups, prekey bundles, app
 * state sync, logout, groups (`w:g2`, groups/group-iq.ts). Anything else gets a 501 error answer right away, so nothing waits on a timeout.
 */
import { jidDecode } from '@whiskeysockets/baileys';
import { bundleToNode } from './signal-party.js';
import { child, childBytes, children, childrenByTag, iqError, iqResult, node, readUIntBE, type BinaryNode } from './binary.js';
import type { SimConnection } from './connection.js';
import type { SimulatorCore } from './core.js';
import { handleGroupIq } from './groups/group-iq.js';

const PRIVACY_DEFAULTS: Record<string, string> = {
  last: 'all',
  online: 'all',
  profile: 'all',
  status: 'all',
  readreceipts: 'all',
  groupadd: 'all',
  calladd: 'all',
  messages: 'all',
};

export function handleIq(core: SimulatorCore, conn: SimConnection, iq: BinaryNode): void {
  const { type, xmlns } = iq.attrs;
  if (type === 'result' || type === 'error') return; // replies to our own iqs are handled elsewhere
  const first = children(iq)[0]?.tag;
  const device = conn.device;
  switch (xmlns) {
    case 'w:p':
      conn.send(iqResult(iq));
      return;
    case 'passive':
      conn.send(iqResult(iq));
      return;
    case 'encrypt':
      if (!device) break;
      if (type === 'get' && first === 'count') {
        conn.send(iqResult(iq, [node('count', { value: String(device.preKeyCount) })]));
        return;
      }
      if (type === 'set' && child(iq, 'list')) {
        const keys = childrenByTag(child(iq, 'list'), 'key').map((k) => ({ id: readUIntBE(childBytes(k, 'id')), public: childBytes(k, 'value')! }));
        const skey = child(iq, 'skey');
        core.registry.storePreKeys(
          device,
          keys.filter((k) => k.public?.length === 32),
          skey ? { id: readUIntBE(childBytes(skey, 'id')), public: childBytes(skey, 'value')!, signature: childBytes(skey, 'signature')! } : undefined,
        );
        conn.send(iqResult(iq));
        return;
      }
      if (type === 'set' && first === 'rotate') {
        const skey = child(child(iq, 'rotate'), 'skey');
        if (skey) device.signedPreKey = { id: readUIntBE(childBytes(skey, 'id')), public: childBytes(skey, 'value')!, signature: childBytes(skey, 'signature')! };
        conn.send(iqResult(iq));
        return;
      }
      if (type === 'get' && first === 'digest') {
        conn.send(iqResult(iq, [node('digest', {}, [node('type', {}, Buffer.from([5])), node('identity', {}, device.identityKey)])]));
        core.onPreOpenDone(conn);
        return;
      }
      if (type === 'get' && first === 'key') {
        conn.send(iqResult(iq, [node('list', {}, keyBundles(core, childrenByTag(child(iq, 'key'), 'user')))]));
        return;
      }
      break;
    case 'abt':
      conn.send(iqResult(iq, [node('props', { protocol: '1' })]));
      return;
    case 'blocklist':
      core.accountIqs.handleBlocklistIq(conn, iq);
      return;
    case 'privacy':
      if (type === 'get') {
        const cats = Object.entries(PRIVACY_DEFAULTS).map(([name, value]) => node('category', { name, value }));
        conn.send(iqResult(iq, [node('privacy', {}, cats)]));
      } else {
        conn.send(iqResult(iq, first === 'tokens' ? [node('tokens')] : undefined));
      }
      return;
    case 'usync':
      conn.send(iqResult(iq, [usync(core, iq, device?.phoneNumber)]));
      return;
    case 'w:sync:app:state':
      if (!device) break;
      core.appState.handleIq(conn, iq);
      return;
    case 'md':
      if (first === 'remove-companion-device') {
        conn.send(iqResult(iq));
        core.onLogout(conn);
        return;
      }
      break;
    case 'status':
      core.accountIqs.handleStatusIq(conn, iq);
      return;
    case 'w:stats':
    case 'urn:xmpp:whatsapp:dirty':
      conn.send(iqResult(iq));
      return;
    case 'w:m':
      if (!core.mediaHost) break;
      conn.send(iqResult(iq, [core.mediaHost.mediaConnNode()]));
      return;
    case 'w:g2':
      core.events.emit('groupIq', { phoneNumber: device?.phoneNumber ?? null, type: type ?? '', to: iq.attrs.to ?? '', query: first ?? '' });
      handleGroupIq(core, core.groups, conn, iq);
      return;
    case 'w:profile:picture':
      core.accountIqs.handlePictureIq(conn, iq);
      return;
    default:
      break;
  }
  core.logger.debug({ xmlns, type, first }, 'simulator: unsupported iq answered with 501');
  conn.send(iqError(iq, 501, 'feature-not-implemented'));
}

function keyBundles(core: SimulatorCore, users: BinaryNode[]): BinaryNode[] {
  const out: BinaryNode[] = [];
  for (const u of users) {
    const jid = u.attrs.jid;
    if (!jid) continue;
    const decoded = jidDecode(jid);
    const resolved = core.resolveUser(jid, false);
    if (!decoded || !resolved) continue;
    if (resolved.kind === 'contact') {
      out.push(resolved.contact.party.bundleNode(jid));
    } else if (!decoded.device) {
      out.push(core.phoneParty(resolved.account).bundleNode(jid));
    } else {
      const device = core.registry.getDevice(resolved.account.phoneNumber, decoded.device);
      if (device) out.push(bundleToNode(jid, core.registry.takeBundle(device)));
    }
  }
  return out;
}

function usync(core: SimulatorCore, iq: BinaryNode, own: string | undefined): BinaryNode {
  const req = child(iq, 'usync')!;
  const protocols = children(child(req, 'query')).map((p) => p.tag);
  const users: BinaryNode[] = [];
  if (own && protocols.includes('contact')) {
    const numbers = childrenByTag(child(req, 'list'), 'user').flatMap((u) => childBytes(u, 'contact')?.toString('utf8') ?? []);
    core.events.emit('numberCheck', { phoneNumber: own, numbers });
  }
  for (const user of childrenByTag(child(req, 'list'), 'user')) {
    let jid = user.attrs.jid;
    const phone = childBytes(user, 'contact')?.toString('utf8');
    if (!jid && phone) jid = `${phone.replace(/^\+/, '')}@s.whatsapp.net`;
    if (!jid) continue;
    const isLid = jid.endsWith('@lid');
    // A number check (`contact`) never creates a contact: numbers the simulator does not know are not on WhatsApp.
    const resolved = core.resolveUser(jid, core.options.autoCreateContacts && !isLid && !protocols.includes('contact'));
    const content: BinaryNode[] = [];
    for (const p of protocols) {
      switch (p) {
        case 'devices':
          content.push(node('devices', {}, [node('device-list', {}, resolved ? [node('device', { id: '0' })] : [])]));
          break;
        case 'lid':
          if (resolved && !isLid) {
            const lid = resolved.kind === 'contact' ? resolved.contact.lid : resolved.account.lid;
            content.push(node('lid', { val: `${lid}@lid` }));
          }
          break;
        case 'contact':
          content.push(core.accountIqs.contactNode(resolved));
          break;
        case 'status':
          content.push(core.accountIqs.statusNode(resolved));
          break;
        case 'disappearing_mode':
          content.push(node('disappearing_mode', { duration: '0', t: '0' }));
          break;
        default:
          break;
      }
    }
    users.push(node('user', { jid }, content));
  }
  return node('usync', { sid: req.attrs.sid, index: '0', last: 'true', mode: req.attrs.mode, context: req.attrs.context }, [
    node('result', {}, protocols.map((p) => node(p))),
    node('list', {}, users),
  ]);
}
