/**
 * Baileys' logs, bridged into ours at warn and above. Baileys reports some expected steps as
 * problems (the 515 restart after every scan, a presence update before the profile name is known);
 * those are moved down to debug so that production error logs mean something.
 */
import type { SocketConfig } from 'baileys';
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
    this.logger[effective](obj as object, msg);
  }
}
