/**
 * The reference server's one way to PostgreSQL, whichever runs it: a real server through `pg`
 * (`OFFBOARD_SYNC_DATABASE_URL`), or PGlite, PostgreSQL compiled to WebAssembly, embedded in the process
 * and kept in the data directory (the default: `npm start` needs nothing else). Both speak the same SQL;
 * this interface is all the server's storage uses, so one code path serves both.
 *
 * Values come back as JavaScript values alike from both: int8 (`bigint`) as a number (revisions and
 * sequence numbers stay far below 2^53), jsonb parsed.
 */
export interface SqlExecutor {
  /** One statement, its parameters bound ($1, $2…). */
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (a migration). */
  exec(script: string): Promise<void>;
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** What it is, for logs and errors: "PGlite in …" or the server's host and database. */
  readonly description: string;
}
