import { pino } from 'pino';
import { BaileysLogger } from './baileys-logger.js';

function capture(): { logger: BaileysLogger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const base = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger: new BaileysLogger(base), lines };
}

describe('BaileysLogger', () => {
  it('moves the expected 515 restart down to debug and keeps other stream errors as errors', () => {
    const { logger, lines } = capture();
    logger.error({ fullErrorNode: { tag: 'stream:error', attrs: { code: '515' } } }, 'stream errored out');
    logger.error({ fullErrorNode: { tag: 'stream:error', attrs: { code: '401' } } }, 'stream errored out');
    expect(lines.map((l) => l.level)).toEqual([20, 50]);
  });

  it('keeps bindings on children', () => {
    const { logger, lines } = capture();
    logger.child({ sessionId: 's1' }).warn({}, 'something odd');
    expect(lines[0]).toMatchObject({ level: 40, sessionId: 's1', msg: 'something odd' });
  });
});
