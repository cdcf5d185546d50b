/**
 * The reference server's schema, as numbered migrations applied in order, each in a transaction with the
 * record of it: a database is at the version of its last applied migration, and a server that finds
 * one newer than it knows refuses to start rather than misread it. A migration, once released, is never
 * edited: a change to the schema is a new migration.
 */
import type { SqlDatabase } from './sql-database.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SYNC_MIGRATIONS: readonly Migration[] = [
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
];

/** Applies the migrations `db` has not had yet; returns the version it is at. */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[] = SYNC_MIGRATIONS): Promise<number> {
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
      await tx.query(`insert into schema_migrations (version, name) values ($1, $2)`, [migration.version, migration.name]);
    });
    version = migration.version;
  }
  return version;
}
