import { PreparedStatement, usePreparedStatements } from './prepared-statement.js';

/** What TypeORM's query() receives: its first argument is handed to node-postgres unchanged. */
function recorder() {
  const calls: Array<{ query: unknown; params: unknown[] }> = [];
  return {
    calls,
    query: async <T>(query: string, params?: unknown[]): Promise<T> => {
      calls.push({ query, params: params ?? [] });
      return [] as T;
    },
  };
}

describe('PreparedStatement', () => {
  afterEach(() => usePreparedStatements(true));

  it('sends node-postgres a named query, or only the text when prepared statements are off', async () => {
    const statement = new PreparedStatement('spec_select_one', 'SELECT $1::int AS n');
    const db = recorder();
    await statement.run(db, [1]);
    usePreparedStatements(false);
    await statement.run(db, [2]);
    expect(db.calls).toEqual([
      { query: { name: 'spec_select_one', text: 'SELECT $1::int AS n' }, params: [1] },
      { query: 'SELECT $1::int AS n', params: [2] },
    ]);
  });

  it('refuses a name declared twice (one name, two texts, would fail on a connection)', () => {
    new PreparedStatement('spec_twice', 'SELECT 1');
    expect(() => new PreparedStatement('spec_twice', 'SELECT 2')).toThrow('Prepared statement "spec_twice" is declared twice');
  });
});
