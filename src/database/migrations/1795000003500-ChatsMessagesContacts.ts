import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversations: one canonical chat per conversation with its PN/LID aliases, messages keyed by
 * (session, chat, WhatsApp id) with the raw WebMessageInfo, reactions per actor, contacts and the
 * LID↔PN mappings, history-sync jobs. The first `wa_messages` (one row per remote jid and id) is
 * folded in: its rows become chats and messages of the new shape.
 */
export class ChatsMessagesContacts1795000003500 implements MigrationInterface {
  name = 'ChatsMessagesContacts1795000003500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_messages RENAME TO wa_messages_v1`);
    await q.query(`ALTER TABLE wa_messages_v1 RENAME CONSTRAINT wa_messages_pkey TO wa_messages_v1_pkey`);
    await q.query(`ALTER INDEX wa_messages_tenant_chat_idx RENAME TO wa_messages_v1_idx`);
    await q.query(`CREATE TABLE wa_chats (
      id bigserial NOT NULL,
      session_id uuid NOT NULL,
      tenant_id uuid NOT NULL,
      jid text NOT NULL,
      pn_jid text,
      lid_jid text,
      name text,
      unread_count integer NOT NULL DEFAULT 0,
      last_message_id bigint,
      last_message_at bigint NOT NULL DEFAULT '0'::bigint,
      archived boolean NOT NULL DEFAULT false,
      pinned boolean NOT NULL DEFAULT false,
      muted_until bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wa_chats_pkey PRIMARY KEY (id),
      CONSTRAINT wa_chats_session_jid_key UNIQUE (session_id, jid)
    )`);
    await q.query(`CREATE INDEX wa_chats_activity_idx ON wa_chats (session_id, last_message_at, id)`);
    await q.query(`CREATE TABLE wa_chat_aliases (
      session_id uuid NOT NULL,
      jid text NOT NULL,
      chat_id bigint NOT NULL,
      CONSTRAINT wa_chat_aliases_pkey PRIMARY KEY (session_id, jid)
    )`);
    await q.query(`CREATE INDEX wa_chat_aliases_chat_idx ON wa_chat_aliases (chat_id)`);
    await q.query(`CREATE TABLE wa_messages (
      id bigserial NOT NULL,
      session_id uuid NOT NULL,
      tenant_id uuid NOT NULL,
      chat_id bigint NOT NULL,
      wa_id text NOT NULL,
      remote_jid text NOT NULL,
      from_me boolean NOT NULL,
      sender_jid text,
      sender_phone text,
      push_name text,
      ts bigint NOT NULL,
      type text NOT NULL,
      kind text NOT NULL,
      text text,
      status text,
      status_at bigint,
      quoted_id text,
      forwarded boolean NOT NULL DEFAULT false,
      edited_text text,
      edited_at bigint,
      deleted_at bigint,
      source text NOT NULL DEFAULT 'live' CHECK (source IN ('live','history')),
      is_stub boolean NOT NULL DEFAULT false,
      media jsonb,
      raw bytea,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wa_messages_pkey PRIMARY KEY (id),
      CONSTRAINT wa_messages_session_chat_wa_id_key UNIQUE (session_id, chat_id, wa_id)
    )`);
    await q.query(`CREATE INDEX wa_messages_chat_ts_idx ON wa_messages (chat_id, ts, id)`);
    await q.query(`CREATE INDEX wa_messages_session_wa_id_idx ON wa_messages (session_id, wa_id)`);
    await q.query(`CREATE TABLE wa_reactions (
      session_id uuid NOT NULL,
      chat_id bigint NOT NULL,
      target_wa_id text NOT NULL,
      actor_jid text NOT NULL,
      emoji text NOT NULL,
      from_me boolean NOT NULL,
      reacted_at bigint NOT NULL,
      CONSTRAINT wa_reactions_pkey PRIMARY KEY (session_id, chat_id, target_wa_id, actor_jid)
    )`);
    await q.query(`CREATE TABLE wa_history_syncs (
      id bigserial NOT NULL,
      session_id uuid NOT NULL,
      sync_type text NOT NULL,
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running','complete','paused')),
      chunks integer NOT NULL DEFAULT 0,
      progress integer,
      chats_count integer NOT NULL DEFAULT 0,
      contacts_count integer NOT NULL DEFAULT 0,
      messages_count integer NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wa_history_syncs_pkey PRIMARY KEY (id),
      CONSTRAINT wa_history_syncs_session_type_key UNIQUE (session_id, sync_type)
    )`);
    await q.query(`CREATE TABLE wa_contacts (
      session_id uuid NOT NULL,
      jid text NOT NULL,
      tenant_id uuid NOT NULL,
      pn_jid text,
      lid_jid text,
      name text,
      notify text,
      verified_name text,
      img_url text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wa_contacts_pkey PRIMARY KEY (session_id, jid)
    )`);
    await q.query(`CREATE TABLE wa_lid_mappings (
      session_id uuid NOT NULL,
      lid text NOT NULL,
      pn text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wa_lid_mappings_pkey PRIMARY KEY (session_id, lid)
    )`);
    await q.query(`CREATE INDEX wa_lid_mappings_pn_idx ON wa_lid_mappings (session_id, pn)`);

    // Fold the first messages table in: a chat per (session, remote jid), merged with its alt jid.
    await q.query(`INSERT INTO wa_chats (session_id, tenant_id, jid, pn_jid, lid_jid, last_message_at)
      SELECT session_id, min(tenant_id::text)::uuid, chat_jid,
             CASE WHEN chat_jid LIKE '%@s.whatsapp.net' THEN chat_jid END,
             max(CASE WHEN remote_jid LIKE '%@lid' THEN remote_jid END), max(ts)
        FROM (SELECT m.*, CASE WHEN remote_jid LIKE '%@lid' AND remote_jid_alt IS NOT NULL THEN remote_jid_alt ELSE remote_jid END AS chat_jid
                FROM wa_messages_v1 m) x
       GROUP BY session_id, chat_jid`);
    await q.query(`INSERT INTO wa_chat_aliases (session_id, jid, chat_id)
      SELECT session_id, jid, id FROM wa_chats
      UNION SELECT session_id, lid_jid, id FROM wa_chats WHERE lid_jid IS NOT NULL
      ON CONFLICT DO NOTHING`);
    await q.query(`INSERT INTO wa_messages (session_id, tenant_id, chat_id, wa_id, remote_jid, from_me, sender_phone, push_name, ts, type, kind, text, status)
      SELECT m.session_id, m.tenant_id, a.chat_id, m.id, m.remote_jid, m.from_me, m.sender_phone, m.push_name, m.ts, m.type,
             CASE WHEN m.type IN ('conversation','extendedTextMessage') THEN 'text' ELSE 'other' END, m.text, m.status
        FROM wa_messages_v1 m JOIN wa_chat_aliases a ON a.session_id = m.session_id AND a.jid = m.remote_jid
      ON CONFLICT DO NOTHING`);
    await q.query(`UPDATE wa_chats c SET last_message_id = (SELECT id FROM wa_messages m WHERE m.chat_id = c.id ORDER BY ts DESC, id DESC LIMIT 1)`);
    await q.query(`DROP TABLE wa_messages_v1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wa_lid_mappings`);
    await q.query(`DROP TABLE wa_contacts`);
    await q.query(`DROP TABLE wa_history_syncs`);
    await q.query(`DROP TABLE wa_reactions`);
    await q.query(`DROP TABLE wa_messages`);
    await q.query(`DROP TABLE wa_chat_aliases`);
    await q.query(`DROP TABLE wa_chats`);
    await q.query(`CREATE TABLE wa_messages (
      session_id uuid NOT NULL, remote_jid text NOT NULL, id text NOT NULL, tenant_id uuid NOT NULL, from_me boolean NOT NULL,
      remote_jid_alt text, sender_phone text, push_name text, type text NOT NULL, text text, status text, ts bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (session_id, remote_jid, id)
    )`);
    await q.query(`CREATE INDEX wa_messages_tenant_chat_idx ON wa_messages (tenant_id, session_id, remote_jid, ts)`);
  }
}
