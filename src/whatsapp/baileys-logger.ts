/**
 * Baileys' logs, bridged into ours at warn and above. Baileys reports some expected steps as
 * problems (the 515 restart after every scan, a presence update before the profile name is known);
 * those are moved down to debug so that production error logs mean something. Stanza dumps are cut
 * to their opening tag: their content may be a message body.
 */
import type { SocketConfig } from '@whiskeysockets/baileys';
import type { AppLogger } from '../common/logger.js';

type ILogger = SocketConfig['logger'];

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

function isExpected(obj: unknown, msg: string | undefined): boolean {
  if (msg === 'stream errored out') {
    const code = (obj as { fullErrorNode?: { attrs?: { code?: string } } } | null)?.fullErrorNode?.attrs?.code;
    return code === '515';
  }
  return typeof msg === 'string' && msg.startsWith('no name present, ignoring presence update');
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
    const effective: Level = (level === 'warn' || level === 'error') && isExpected(obj, msg) ? 'debug' : level;
    this.logger[effective](withoutBodies(obj) as object, msg);
  }
}
