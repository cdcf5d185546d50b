/**
 * Users cut into blocks: what a load, a fold and the upgrade from the table-per-kind layout write.
 */
import { encodeBody, encodeHead } from '../../core/blocks/user-block.ts';
import type { StoredUser } from '../../core/stored-user.ts';
import type { UserBundle } from '../../core/sync/user-bundle.ts';
import type { BlockDirectory, BlockEntry, StoredBlockBody, StoredBlockHead } from './block-directory.ts';

/** Users per block when blocks are written; a fold splits a range that grew past twice this. */
export const BLOCK_USERS = 1_000;

export interface Pieces {
  heads: StoredBlockHead[];
  bodies: StoredBlockBody[];
  /** Each piece's range starts at its first user. */
  entries: BlockEntry[];
}

/**
 * Users (ascending ids) and their bundles, row for row, as `pieces` blocks of about equal size, their ids
 * taken from `directory.nextBlockId` on.
 */
export function piecesOf(directory: Pick<BlockDirectory, 'nextBlockId'>, users: readonly StoredUser[], bundles: readonly UserBundle[], foldedSeq: number, pieces = Math.max(1, Math.round(users.length / BLOCK_USERS))): Pieces {
  const written: Pieces = { heads: [], bodies: [], entries: [] };
  for (let p = 0; p < pieces; p++) {
    const start = Math.floor((p * users.length) / pieces);
    const end = Math.floor(((p + 1) * users.length) / pieces);
    if (end <= start) continue;
    const id = directory.nextBlockId++;
    written.heads.push({ id, head: encodeHead(users.slice(start, end)) });
    written.bodies.push({ id, body: encodeBody(bundles.slice(start, end)) });
    written.entries.push({ id, low: users[start]!.id, count: end - start, foldedSeq });
  }
  return written;
}
