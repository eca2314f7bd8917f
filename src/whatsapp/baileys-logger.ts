/**
 * Baileys' logs, bridged into ours at warn and above. Baileys reports some expected steps as
 * problems (see `levelFor`); those are moved down so that production error logs mean something. Stanza dumps are cut
 * to their opening tag: their content may be a message body.
 */
import type { SocketConfig } from '@whiskeysockets/baileys';
import type { AppLogger } from '../common/logger.js';

type ILogger = SocketConfig['logger'];

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * The level a Baileys warning or error deserves here. A stream error is how WhatsApp closes a
 * socket on purpose: 515 (restart after a scan) is routine, 401 (device removed) and 440
 * (replaced by another connection) are ends the session handles, so they are info; any other
 * code is a reconnectable close (warn). "No name present" is Baileys declining a presence update
 * before the profile name is known, on every connect. Work cut short by a closed socket (428) is
 * info.
 */
function levelFor(level: Level, obj: unknown, msg: string | undefined): Level {
  if (level !== 'warn' && level !== 'error') return level;
  const text = msg ?? (typeof obj === 'string' ? obj : undefined);
  if (text === 'stream errored out') {
    const node = (obj as { fullErrorNode?: { attrs?: { code?: string } }; reasonNode?: { tag?: string } } | null) ?? {};
    const code = node.fullErrorNode?.attrs?.code;
    if (code === '515') return 'debug';
    if (code === '401' || code === '440' || node.reasonNode?.tag === 'conflict') return 'info';
    return 'warn';
  }
  if (typeof text === 'string' && text.startsWith('no name present')) return 'debug';
  // 428 "Connection Closed": work cut short because the socket closed (a stop, a shutdown, a
  // dropped network). The close itself is reported and handled by the session; an unacknowledged
  // message is sent again by WhatsApp (an acknowledged one is in the inbound journal).
  if (statusOf(obj) === 428) return 'info';
  return level;
}

function statusOf(obj: unknown): number | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const record = obj as Record<string, { output?: { statusCode?: unknown } } | undefined>;
  const code = (record.error ?? record.err)?.output?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

const STANZA_KEYS = ['node', 'stanza', 'content', 'message', 'msg'] as const;

/** `<message from=… id=…><enc …>…</enc></message>` → `<message from=… id=…>`; objects keep tag and attrs only. */
function withoutBodies(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object') return obj;
  const record = obj as Record<string, unknown>;
  if (!STANZA_KEYS.some((k) => k in record)) return obj;
  const out: Record<string, unknown> = { ...record };
  for (const key of STANZA_KEYS) {
    const value = record[key];
    if (typeof value === 'string' && value.startsWith('<')) out[key] = value.slice(0, value.indexOf('>') + 1);
    else if (value && typeof value === 'object') {
      const v = value as { tag?: unknown; attrs?: unknown; key?: unknown };
      out[key] = v.tag !== undefined ? { tag: v.tag, attrs: v.attrs } : v.key !== undefined ? { key: v.key } : '[omitted]';
    }
  }
  return out;
}

export class BaileysLogger implements ILogger {
  constructor(private readonly logger: AppLogger) {}

  get level(): string {
    return this.logger.level;
  }

  child(bindings: Record<string, unknown>): ILogger {
    return new BaileysLogger(this.logger.child(bindings));
  }

  trace(obj: unknown, msg?: string): void {
    this.write('trace', obj, msg);
  }
  debug(obj: unknown, msg?: string): void {
    this.write('debug', obj, msg);
  }
  info(obj: unknown, msg?: string): void {
    this.write('info', obj, msg);
  }
  warn(obj: unknown, msg?: string): void {
    this.write('warn', obj, msg);
  }
  error(obj: unknown, msg?: string): void {
    this.write('error', obj, msg);
  }

  private write(level: Level, obj: unknown, msg?: string): void {
    const effective = levelFor(level, obj, msg);
    if (typeof obj === 'string') this.logger[effective](obj);
    else this.logger[effective](withoutBodies(obj) as object, msg);
  }
}
