/**
 * Users cut into blocks: what a load, a fold and the upgrade from the table-per-kind layout write.
 */
import { encodeBody, encodeHead, type BlockBody, type BlockHead } from '../../core/blocks/user-block.ts';
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

/** A block encoded before it has an id (ids are given in the transaction that writes it). */
export interface EncodedPiece {
  head: BlockHead;
  body: BlockBody;
  /** Its first user's id, and how many users it holds. */
  low: string;
  count: number;
}

/** Users (ascending ids) and their bundles, row for row, encoded as `pieces` blocks of about equal size. */
export function encodePieces(users: readonly StoredUser[], bundles: readonly UserBundle[], pieces = Math.max(1, Math.round(users.length / BLOCK_USERS))): EncodedPiece[] {
  const encoded: EncodedPiece[] = [];
  for (let p = 0; p < pieces; p++) {
    const start = Math.floor((p * users.length) / pieces);
    const end = Math.floor(((p + 1) * users.length) / pieces);
    if (end <= start) continue;
    encoded.push({ head: encodeHead(users.slice(start, end)), body: encodeBody(bundles.slice(start, end)), low: users[start]!.id, count: end - start });
  }
  return encoded;
}

/** Encoded blocks given their ids, from `directory.nextBlockId` on. */
export function numberPieces(directory: Pick<BlockDirectory, 'nextBlockId'>, encoded: readonly EncodedPiece[], foldedSeq: number): Pieces {
  const written: Pieces = { heads: [], bodies: [], entries: [] };
  for (const piece of encoded) {
    const id = directory.nextBlockId++;
    written.heads.push({ id, head: piece.head });
    written.bodies.push({ id, body: piece.body });
    written.entries.push({ id, low: piece.low, count: piece.count, foldedSeq });
  }
  return written;
}

/**
 * Users (ascending ids) and their bundles, row for row, as `pieces` blocks of about equal size, their ids
 * taken from `directory.nextBlockId` on.
 */
export function piecesOf(directory: Pick<BlockDirectory, 'nextBlockId'>, users: readonly StoredUser[], bundles: readonly UserBundle[], foldedSeq: number, pieces = Math.max(1, Math.round(users.length / BLOCK_USERS))): Pieces {
  return numberPieces(directory, encodePieces(users, bundles, pieces), foldedSeq);
}
