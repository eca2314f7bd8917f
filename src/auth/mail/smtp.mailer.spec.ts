import { createServer, type Server } from 'node:net';
import type { AppLogger } from '../../common/logger.js';
import { SmtpMailer } from './smtp.mailer.js';

function recordingLogger(): { logger: AppLogger; lines: Array<{ level: string; obj: unknown; msg: string }> } {
  const lines: Array<{ level: string; obj: unknown; msg: string }> = [];
  const log = (level: string) => (obj: unknown, msg: string) => lines.push({ level, obj, msg });
  return { logger: { info: log('info'), error: log('error') } as unknown as AppLogger, lines };
}

describe('SmtpMailer', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // A port that accepts and immediately drops connections: delivery fails fast.
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('does not make the caller wait for, or fail with, the SMTP server; logs the failure without the body', async () => {
    const { logger, lines } = recordingLogger();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, 'App <no-reply@example.com>', logger);
    await expect(mailer.send({ to: 'ada@example.com', subject: 'Reset', text: 'token=SECRET-TOKEN', purpose: 'password_reset' })).resolves.toBeUndefined();
    await mailer.onApplicationShutdown(); // waits for the delivery attempt to settle
    expect(lines).toEqual([expect.objectContaining({ level: 'error', msg: 'mail delivery failed' })]);
    expect(JSON.stringify(lines)).not.toContain('SECRET-TOKEN');
  });
});
