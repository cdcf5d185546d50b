/**
 * A PostgreSQL server through `pg` behind the server's SQL interface (sql-database.ts): what
 * `OFFBOARD_SYNC_DATABASE_URL=postgres://…` selects. A pool of connections; a transaction holds one of
 * them from BEGIN to COMMIT.
 */
import pg from 'pg';
import type { SqlDatabase, SqlExecutor } from './sql-database.ts';

/** int8 as a number, as PGlite's side parses it: revisions and sequence numbers stay below 2^53. */
const INT8 = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

class PgExecutor implements SqlExecutor {
  constructor(private readonly target: pg.Pool | pg.PoolClient) {}

  async query<Row extends object>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.target.query({ text, values: [...params], types: typeParsers });
    return result.rows as Row[];
  }

  async exec(script: string): Promise<void> {
    // Without parameters pg sends the simple protocol, which takes several statements at once.
    await this.target.query(script);
  }
}

export class PgDatabase extends PgExecutor implements SqlDatabase {
  private constructor(
    private readonly pool: pg.Pool,
    readonly description: string,
  ) {
    super(pool);
  }

  /** Connects to `url` (postgres://user:password@host:port/database); fails at once if it cannot. */
  static async open(url: string): Promise<PgDatabase> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle connection cut (a restart, a failover, an administrator) is an 'error' event on the pool:
    // unheard, it would end the process. The pool drops that connection and opens another when asked.
    pool.on('error', () => undefined);
    // A pool connects lazily: one query now tells a wrong address or password before the server starts.
    try {
      await pool.query('select 1');
    } catch (error) {
      await pool.end();
      throw error;
    }
    const parsed = new URL(url);
    return new PgDatabase(pool, `PostgreSQL at ${parsed.host}${parsed.pathname}`);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const result = await work(new PgExecutor(client));
      await client.query('commit');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is broken: released as such, never handed out again.
      await client.query('rollback').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
