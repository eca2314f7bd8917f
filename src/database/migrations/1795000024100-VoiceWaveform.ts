import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `wa_media.waveform`: the 64 bars (0–100) of a voice note converted at upload, sent with it. */
export class VoiceWaveform1795000024100 implements MigrationInterface {
  name = 'VoiceWaveform1795000024100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_media ADD COLUMN waveform bytea`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wa_media DROP COLUMN waveform`);
  }
}
