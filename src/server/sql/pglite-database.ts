/**
 * PGlite, the embedded PostgreSQL, behind the server's SQL interface (sql-database.ts): file-backed in a
 * directory of its own, or in memory. PGlite serves one connection; the server's storage queues its
 * transactions itself, and PGlite runs a transaction's statements in order.
 *
 * A new database starts from a copy of an empty one made once per process (`initdb` of a fresh data
 * directory takes several seconds here; loading a copy about one), so that tests, which start many
 * servers, pay for `initdb` once.
 */
import { existsSync } from 'node:fs';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor } from './sql-database.ts';

/**
 * PostgreSQL's page cache inside PGlite's WebAssembly memory, which never shrinks: 128 MB by default. The
 * files' pages stay in the system's cache anyway; at 16 MB a pull of a million users held 120 MB less and
 * read its pages no slower (measured: 200,000 rows in 4.2 s against 4.9 s).
 */
const POSTGRESQL_CONF = ['shared_buffers = 16MB'];

/** int8 as a number, as `pg-database.ts` parses it: revisions and sequence numbers stay below 2^53. */
const PARSERS = { [types.INT8]: (value: string) => Number(value) };

let emptyDatabase: Promise<Blob> | null = null;

/** An empty database's data directory as a tarball, made once per process. */
function emptyDatabaseCopy(): Promise<Blob> {
  emptyDatabase ??= (async () => {
    const empty = await PGlite.create();
    try {
      return await empty.dumpDataDir('none');
    } finally {
      await empty.close();
    }
  })();
  return emptyDatabase;
}

class PgliteExecutor implements SqlExecutor {
  constructor(private readonly target: PGlite | Transaction) {}

  async query<Row extends object>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.target.query<Row>(text, [...params]);
    return result.rows;
  }

  async exec(script: string): Promise<void> {
    await this.target.exec(script);
  }
}

export class PgliteDatabase extends PgliteExecutor implements SqlDatabase {
  private constructor(
    private readonly db: PGlite,
    readonly description: string,
  ) {
    super(db);
  }

  /** The database kept in `directory` (created empty when it holds none), or in memory when null. */
  static async open(directory: string | null): Promise<PgliteDatabase> {
    const isNew = directory === null || !existsSync(directory);
    const loadDataDir = isNew ? await emptyDatabaseCopy() : undefined;
    const db = await PGlite.create({ ...(directory === null ? {} : { dataDir: directory }), ...(loadDataDir ? { loadDataDir } : {}), parsers: PARSERS, postgresqlconf: POSTGRESQL_CONF });
    return new PgliteDatabase(db, directory === null ? 'PGlite in memory' : `PGlite in ${directory}`);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new PgliteExecutor(tx)));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
