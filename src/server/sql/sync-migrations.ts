/**
 * The reference server's schema, as numbered migrations applied in order, each in a transaction with the
 * record of it: a database is at the version of its last applied migration, and a server that finds
 * one newer than it knows refuses to start rather than misread it. A migration, once released, is never
 * edited: a change to the schema is a new migration.
 */
import type { SqlDatabase, SqlExecutor } from './sql-database.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Then, in the same transaction, what SQL alone cannot do (rows whose new columns come from their bundles). */
  run?: (tx: SqlExecutor) => Promise<void>;
}

/** Fills the columns a later migration adds to `users` from each row's bundle: given by sync-database.ts. */
export interface UsersBackfill {
  (tx: SqlExecutor): Promise<void>;
}

export function syncMigrations(backfillUsers: UsersBackfill): readonly Migration[] {
  return [
  {
    version: 1,
    name: 'the organization, users as bundles, clients and the commit log',
    sql: `
      -- One row: the server's revision and the organization's records (admins, communities, methodologies,
      -- custom fields), which every pull page may carry and every push reads.
      create table sync_state (
        id integer primary key check (id = 1),
        revision bigint not null,
        organization jsonb not null
      );
      -- Every user as their bundle (src/core/sync/user-bundle.ts), a deleted one as its tombstone, at the
      -- revision of its last change, as folded from user_changes: JSON compressed with deflate, in base64
      -- (a bundle is about 1.5 KB of JSON, and what the database moves per second is what a push costs).
      create table users (
        id text primary key,
        revision bigint not null,
        bundle text not null
      );
      create index users_by_revision on users (revision, id);
      -- Bundles committed and not folded into users yet, in commit order: up to a thousand bundles a row,
      -- one compressed JSON array. A push writes a few rows, whatever the number of users it changes; a
      -- background step folds the oldest row into users, in a transaction of its own.
      create table user_changes (
        position bigint generated always as identity primary key,
        revision bigint not null,
        bundles text not null
      );
      alter table user_changes alter column bundles set storage external;
      -- Per device, the last operation sequence number applied: a replay at or below it changes nothing.
      create table clients (
        client_id text primary key,
        last_seq bigint not null
      );
      -- Per operation evaluated, in the order they were, its result: answered again to a replay of the
      -- same operation id. An operation refused whole changes nothing and keeps the revision it found.
      create table commits (
        position bigint generated always as identity primary key,
        revision bigint not null,
        client_id text not null,
        seq bigint not null,
        operation_id text not null unique,
        result jsonb not null
      );
    `,
  },
  {
    version: 2,
    name: 'users answer the rules and pulls by themselves: manager, email, status and licenses as columns',
    sql: `
      -- From this version on, a row's bundle is plain JSON text (a pull reads it faster than it inflates a
      -- compressed one); rows of version 1 stay compressed and are read either way.
      -- Ids in byte order, as the server compares them, so that a pull's keyset (revision, id) is the
      -- index's order whatever the database's collation.
      alter table users alter column id type text collate "C";
      -- What the rules ask across users, without reading bundles: a manager's reports (A8, A9), who holds
      -- an email, how many users are active (plan seats) and licenses in use by methodology (A10–A12).
      -- A deleted user's tombstone has none of them.
      alter table users
        add column manager_id text collate "C",
        add column email_key text,
        add column active boolean not null default false,
        add column licenses_in_use jsonb not null default '[]';
      create index users_by_manager on users (manager_id) where manager_id is not null;
      create index users_by_email on users (email_key) where email_key is not null;
    `,
    run: backfillUsers,
  },
  ];
}

/** Applies the migrations `db` has not had yet; returns the version it is at. */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[]): Promise<number> {
  await db.query(`create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`);
  const [row] = await db.query<{ version: number | null }>(`select max(version) as version from schema_migrations`);
  let version = row?.version ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (version > latest) {
    throw new Error(`${db.description} holds a sync database of version ${version}; this server knows versions up to ${latest}. Run a newer server, or point it at another database.`);
  }
  for (const migration of migrations) {
    if (migration.version <= version) continue;
    await db.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await migration.run?.(tx);
      await tx.query(`insert into schema_migrations (version, name) values ($1, $2)`, [migration.version, migration.name]);
    });
    version = migration.version;
  }
  return version;
}
