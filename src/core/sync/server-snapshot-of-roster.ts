/**
 * The reference server's first state: an organization's records as user bundles at revision 1. From the
 * demo generator, or from any roster given as chunks (a dataset loaded from files).
 */
import type { OrganizationRecords, RosterChunk } from '../roster-types.ts';
import type { ServerSnapshot } from './server-roster.ts';
import { bundlesFromRecords, type UserBundle } from './user-bundle.ts';

export function serverSnapshotOfRoster(header: OrganizationRecords, chunks: Iterable<RosterChunk>): ServerSnapshot {
  const revision = 1;
  const bundles: UserBundle[] = [];
  for (const chunk of chunks) for (const bundle of bundlesFromRecords(chunk, revision)) bundles.push(bundle);
  return {
    revision,
    organization: {
      revision,
      organization: header.organization,
      admins: header.admins,
      methodologies: header.methodologies,
      communities: header.communities,
      customFields: header.customFields,
    },
    bundles,
    clients: {},
    results: [],
  };
}
