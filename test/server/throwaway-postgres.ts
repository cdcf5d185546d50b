/**
 * Vitest global setup of the unit tests: a throwaway PostgreSQL cluster on 127.0.0.1, so that the sync
 * server's storage tests run against a real PostgreSQL as well as PGlite. `OFFBOARD_TEST_DATABASE_URL`
 * names one to use instead. Without either (no PostgreSQL installed) the tests that need it are
 * skipped, which CI does not allow (`.ci/run` installs Debian's `postgresql`).
 *
 * PostgreSQL refuses to run as root: as root, the cluster is made and run by the `postgres` user.
 *
 * The browser tests' commands (test/sync-server/) run in this same process: they find the URL in
 * `OFFBOARD_TEST_POSTGRES_URL`, and restart the cluster (a crash test) with `restartThrowawayPostgres`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://… of a PostgreSQL the tests may use whole (they drop and create schemas), or null. */
    postgresUrl: string | null;
  }
}

/** The directory of PostgreSQL's programs: on PATH, or Debian's /usr/lib/postgresql/<version>/bin. */
function postgresBin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(debian, versions[0], 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Control {
  bin: string;
  data: string;
  log: string;
  options: string;
  isRoot: boolean;
}

/** Runs one of PostgreSQL's programs, as the `postgres` user when this process is root. */
function runAs(isRoot: boolean, bin: string, program: string, args: string[]): void {
  const command = join(bin, program);
  if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
  else execFileSync(command, args, { stdio: 'pipe' });
}

/**
 * Restarts the throwaway cluster (`pg_ctl restart -m immediate`: every connection cut, as a crash does).
 * What it needs is in the environment, not in this module: the commands that call it load their own copy.
 */
export function restartThrowawayPostgres(): void {
  const text = process.env.OFFBOARD_TEST_POSTGRES_CONTROL;
  if (!text) throw new Error('No throwaway PostgreSQL was started here (OFFBOARD_TEST_DATABASE_URL names one): it cannot be restarted.');
  const control = JSON.parse(text) as Control;
  runAs(control.isRoot, control.bin, 'pg_ctl', ['-D', control.data, '-w', '-l', control.log, '-m', 'immediate', '-o', control.options, 'restart']);
}

/** A throwaway cluster on 127.0.0.1 from Debian's packages (or PATH), or null when none is installed. */
export async function startThrowawayPostgres(): Promise<{ url: string; control: Control; stop: () => Promise<void> } | null> {
  const bin = postgresBin();
  if (!bin) return null;
  const isRoot = process.getuid?.() === 0;
  const run = (program: string, args: string[]): void => runAs(isRoot, bin, program, args);
  const directory = await mkdtemp(join(tmpdir(), 'offboard-postgres-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    await chown(directory, uid, gid);
  }
  await chmod(directory, 0o700);
  const data = join(directory, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  // fsync off: a throwaway cluster; the tests exercise the server's transactions, not the disk's.
  const options = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const log = join(directory, 'log');
  run('pg_ctl', ['-D', data, '-w', '-l', log, '-o', options, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    control: { bin, data, log, options, isRoot },
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.OFFBOARD_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    process.env.OFFBOARD_TEST_POSTGRES_URL = given;
    return undefined;
  }
  const cluster = await startThrowawayPostgres();
  if (!cluster) {
    project.provide('postgresUrl', null);
    return undefined;
  }
  project.provide('postgresUrl', cluster.url);
  process.env.OFFBOARD_TEST_POSTGRES_URL = cluster.url;
  process.env.OFFBOARD_TEST_POSTGRES_CONTROL = JSON.stringify(cluster.control);
  return async () => {
    delete process.env.OFFBOARD_TEST_POSTGRES_CONTROL;
    await cluster.stop();
  };
}
