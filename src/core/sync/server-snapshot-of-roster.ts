/**
 * The reference server's first state: an organization's records as user bundles at revision 1. From the
 * demo generator, or from any roster given as chunks (a dataset loaded from files).
 */
import type { OrganizationRecords, RosterChunk } from '../roster-types.ts';
import type { ServerSnapshot } from './server-roster.ts';
import { bundlesFromRecords, type UserBundle } from './user-bundle.ts';

/** A first state whose users come in chunks, made as they are written: a million need not be held at once. */
export interface ServerSeed extends Omit<ServerSnapshot, 'bundles'> {
  chunks: Iterable<readonly UserBundle[]>;
}

const REVISION = 1;

export function serverSeedOfRoster(header: OrganizationRecords, chunks: Iterable<RosterChunk>): ServerSeed {
  return {
    revision: REVISION,
    organization: {
      revision: REVISION,
      organization: header.organization,
      admins: header.admins,
      methodologies: header.methodologies,
      communities: header.communities,
      customFields: header.customFields,
    },
    chunks: (function* () {
      for (const chunk of chunks) yield bundlesFromRecords(chunk, REVISION);
    })(),
    clients: {},
    results: [],
  };
}

export function serverSnapshotOfRoster(header: OrganizationRecords, chunks: Iterable<RosterChunk>): ServerSnapshot {
  const { chunks: bundleChunks, ...seed } = serverSeedOfRoster(header, chunks);
  const bundles: UserBundle[] = [];
  for (const chunk of bundleChunks) for (const bundle of chunk) bundles.push(bundle);
  return { ...seed, bundles };
}
