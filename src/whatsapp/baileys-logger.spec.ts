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

  it('cuts stanza dumps to their opening tag so that message bodies never reach the logs', () => {
    const { logger, lines } = capture();
    logger.error({ node: "<message from='5491@s.whatsapp.net' id='X1'><plaintext>secret body</plaintext></message>" }, 'error in handling message');
    logger.warn({ message: { key: { id: 'X2' }, message: { conversation: 'secret text' } } }, 'odd message');
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(lines[0]).toMatchObject({ node: "<message from='5491@s.whatsapp.net' id='X1'>" });
    expect(lines[1]).toMatchObject({ message: { key: { id: 'X2' } } });
  });

  it('keeps bindings on children', () => {
    const { logger, lines } = capture();
    logger.child({ sessionId: 's1' }).warn({}, 'something odd');
    expect(lines[0]).toMatchObject({ level: 40, sessionId: 's1', msg: 'something odd' });
  });
});
