import { pino } from 'pino';
import { BaileysLogger } from './baileys-logger.js';

function capture(): { logger: BaileysLogger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const base = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger: new BaileysLogger(base), lines };
}

describe('BaileysLogger', () => {
  it('logs routine closes below error: 515 restart at debug, 401 remove-device and 440 replace at info, others at warn', () => {
    const { logger, lines } = capture();
    logger.error({ fullErrorNode: { tag: 'stream:error', attrs: { code: '515' } } }, 'stream errored out');
    logger.error({ fullErrorNode: { tag: 'stream:error', attrs: { code: '401' } } }, 'stream errored out');
    logger.error({ reasonNode: { tag: 'conflict', attrs: { type: 'replaced' } }, fullErrorNode: { tag: 'stream:error', attrs: {} } }, 'stream errored out');
    logger.error({ fullErrorNode: { tag: 'stream:error', attrs: { code: '503' } } }, 'stream errored out');
    logger.error({ err: 'x' }, 'something else broke');
    expect(lines.map((l) => l.level)).toEqual([20, 30, 30, 40, 50]);
  });

  it('logs work a closed socket cut short (428 Connection Closed, as at every shutdown) at info, other errors at error', () => {
    const { logger, lines } = capture();
    const closed = { isBoom: true, output: { statusCode: 428, payload: { message: 'Connection Closed' } } };
    logger.error({ error: closed, node: "<message from='1@s.whatsapp.net' id='X' type='text'>" }, 'error in handling message');
    logger.error({ error: closed }, 'transaction failed, rolling back');
    logger.error({ error: { isBoom: true, output: { statusCode: 500 } } }, 'error in handling message');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[30, 'error in handling message'], [30, 'transaction failed, rolling back'], [50, 'error in handling message']]);
  });

  it('keeps "no name present" (a plain-string warning on every connect) at debug', () => {
    const { logger, lines } = capture();
    logger.warn('no name present, ignoring presence update request...');
    expect(lines).toEqual([expect.objectContaining({ level: 20, msg: 'no name present, ignoring presence update request...' })]);
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
