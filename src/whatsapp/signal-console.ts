/**
 * libsignal writes to the global console, and some of what it writes is key material:
 * `SessionRecord.closeSession` prints the whole session it closes (root key, chain keys, our
 * ephemeral private key), `openSession` and `removeOldSessions` likewise, and a failed decryption
 * dumps every session error. Baileys has two console calls of its own. Nothing in node_modules is
 * patched: the console methods are wrapped once, and a call whose caller is a file of libsignal or
 * Baileys goes to our logger at debug with its leading text only (never its objects); every other
 * caller's console output is left as it was.
 */
import type { AppLogger } from '../common/logger.js';

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;
type Method = (typeof METHODS)[number];

/** Frames of the packages whose console output is redirected (POSIX and Windows separators). */
const GUARDED_CALLER = /[\\/]node_modules[\\/](?:libsignal|@whiskeysockets[\\/]baileys)[\\/]/;

let sink: AppLogger | undefined;
let installed = false;

/** The file of the function that called `wrapper` (the first frame above it). */
function callerFrame(wrapper: (...args: unknown[]) => void): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(holder, wrapper);
  Error.stackTraceLimit = limit;
  return holder.stack ?? '';
}

/**
 * Redirects libsignal's and Baileys' console output to `logger` (debug, text only) for the rest of
 * the process. Idempotent; a later call only changes where the redirected lines go.
 */
export function guardSignalConsole(logger: AppLogger): void {
  sink = logger.child({ module: 'libsignal' });
  if (installed) return;
  installed = true;
  for (const method of METHODS) {
    const original = console[method].bind(console) as (...args: unknown[]) => void;
    const wrapper = (...args: unknown[]): void => {
      if (!GUARDED_CALLER.test(callerFrame(wrapper))) {
        original(...args);
        return;
      }
      const text = typeof args[0] === 'string' ? args[0] : '(no text)';
      sink?.debug({ consoleMethod: method satisfies Method }, text);
    };
    console[method] = wrapper;
  }
}
