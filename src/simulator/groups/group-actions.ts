/**
 * What a simulated member writes in a group: text with mentions, media, replies, reactions, edits
 * and revokes of its own messages. Each goes through GroupMessaging.send (sender keys).
 */
import { proto } from '@whiskeysockets/baileys';
import type { ContactMedia, ContactMessages } from '../contact-actions.js';
import type { GroupMessaging } from './group-messaging.js';
import type { SimGroups } from './group-service.js';
import { gidJid, memberJid } from './group-store.js';

export interface GroupMessageContent {
  text?: string;
  /** Phone numbers mentioned (their jids go in `contextInfo.mentionedJid`, as the group addresses them). */
  mentions?: string[];
  media?: ContactMedia;
}

export class GroupMemberActions {
  constructor(
    private readonly groups: SimGroups,
    private readonly messages: GroupMessaging,
    private readonly contactMessages: ContactMessages,
  ) {}

  async send(member: string, jid: string, content: GroupMessageContent): Promise<string> {
    const group = this.groups.get(jid);
    const mentionedJid = group && content.mentions?.length ? content.mentions.map((p) => memberJid(group, this.groups.person(p))) : undefined;
    const contextInfo: proto.IContextInfo | undefined = mentionedJid ? { mentionedJid } : undefined;
    if (content.media) {
      const { message, mediatype } = await this.contactMessages.mediaMessage(content.media, contextInfo);
      return this.messages.send(member, jid, message, { stanzaType: 'media', mediatype });
    }
    if (content.text === undefined) throw new Error('a group message needs text or media');
    const message: proto.IMessage = contextInfo ? { extendedTextMessage: { text: content.text, contextInfo } } : { conversation: content.text };
    return this.messages.send(member, jid, message);
  }

  /** Reacts to a group message (`author`: phone of who wrote it); `''` removes the reaction. */
  react(member: string, jid: string, messageId: string, author: string, emoji: string): Promise<string> {
    const group = this.groups.get(jid);
    const key: proto.IMessageKey = { remoteJid: gidJid(jid.split('@')[0]!), fromMe: author === member, id: messageId };
    if (group && author !== member) key.participant = memberJid(group, this.groups.person(author));
    return this.messages.send(member, jid, { reactionMessage: { key, text: emoji, senderTimestampMs: Date.now() } }, { stanzaType: 'reaction' });
  }

  edit(member: string, jid: string, messageId: string, text: string): Promise<string> {
    const protocolMessage: proto.Message.IProtocolMessage = {
      type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
      key: { remoteJid: gidJid(jid.split('@')[0]!), fromMe: true, id: messageId },
      editedMessage: { conversation: text },
      timestampMs: Date.now(),
    };
    return this.messages.send(member, jid, { protocolMessage }, { edit: '1' });
  }

  revoke(member: string, jid: string, messageId: string): Promise<string> {
    const protocolMessage: proto.Message.IProtocolMessage = {
      type: proto.Message.ProtocolMessage.Type.REVOKE,
      key: { remoteJid: gidJid(jid.split('@')[0]!), fromMe: true, id: messageId },
    };
    return this.messages.send(member, jid, { protocolMessage }, { edit: '7' });
  }
}
