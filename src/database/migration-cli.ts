/**
 * `npm run migration:run` and `npm run migration:generate -- <Name>` against the configured
 * database (DATABASE_URL, or the embedded one under DATA_DIR; stop the app first when embedded).
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { ALL_ENTITIES } from './entities.js';

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const handle = await buildDataSourceOptions(loadConfig(), ALL_ENTITIES);
  const dataSource = new DataSource(handle.options);
  await dataSource.initialize();
  try {
    if (command === 'run') {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      console.log(ran.length ? `Applied: ${ran.map((m) => m.name).join(', ')}` : 'No pending migrations.');
    } else if (command === 'generate') {
      if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error('usage: npm run migration:generate -- <PascalCaseName>');
      await dataSource.runMigrations({ transaction: 'each' });
      const sql = await dataSource.driver.createSchemaBuilder().log();
      if (sql.upQueries.length === 0) {
        console.log('The entities match the schema: nothing to generate.');
        return;
      }
      const ts = Date.now();
      const quote = (q: string) => '`' + q.replace(/`/g, '\\`') + '`';
      const up = sql.upQueries.map((q) => `    await queryRunner.query(${quote(q.query)});`).join('\n');
      const down = sql.downQueries.reverse().map((q) => `    await queryRunner.query(${quote(q.query)});`).join('\n');
      const file = join(fileURLToPath(new URL('../../src/database/migrations/', import.meta.url)), `${ts}-${name}.ts`);
      writeFileSync(file, `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${name}${ts} implements MigrationInterface {\n  name = '${name}${ts}';\n\n  async up(queryRunner: QueryRunner): Promise<void> {\n${up}\n  }\n\n  async down(queryRunner: QueryRunner): Promise<void> {\n${down}\n  }\n}\n`);
      console.log(`Wrote ${file}; add it to src/database/migrations/index.ts.`);
    } else {
      throw new Error('usage: migration-cli run | generate <Name>');
    }
  } finally {
    await dataSource.destroy();
    if (handle.embedded) await handle.embedded.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
