/**
 * Where each user lives: the roster is cut into ranges of ids, each range one stored block (a head and a
 * body: src/core/blocks/user-block.ts), and changes since a block was last written wait in the change
 * log until compaction folds them in. This file holds the directory of ranges and the records the three
 * block tables hold; src/db/blocks/roster-blocks.ts reads and writes them.
 */
import type { BlockBody, BlockHead } from '../../core/blocks/user-block.ts';

/** One range of ids and the block that holds its users. */
export interface BlockEntry {
  /** Where the range's head and body are stored; null: no users were ever folded into this range. */
  id: number | null;
  /** The lowest id of the range (the first range's is ''): a range ends where the next one starts. */
  low: string;
  /** Live users of the range the block holds (a block may hold rows outside its range: they are dead). */
  count: number;
  /** Every change logged up to this sequence number is in the block. */
  foldedSeq: number;
}

export interface BlockDirectory {
  key: 'directory';
  /** Moves when the roster is cleared: a tab that saw another epoch drops what it holds in memory. */
  epoch: number;
  /** Block ids are never reused, so that a block read once can be kept in memory by its id. */
  nextBlockId: number;
  /** Change log entries up to this one are folded into the blocks and deleted. */
  foldedSeq: number;
  /** Ascending by `low`; never empty. */
  blocks: BlockEntry[];
}

/** How many users the roster holds, kept by every commit that adds or deletes users. */
export interface UserCountRecord {
  key: 'userCount';
  users: number;
}

export type DirectoryRecord = BlockDirectory | UserCountRecord;

export interface StoredBlockHead {
  id: number;
  head: BlockHead;
}

export interface StoredBlockBody {
  id: number;
  body: BlockBody;
}

/**
 * A change as it was committed: the users it wrote as stored now (head), the bundles of those it wrote
 * whole (body: a user in the head but not the body had their user record alone changed, the rest of
 * their bundle is as before) and the users it deleted.
 */
export interface ChangeLogEntry {
  seq?: number;
  head: BlockHead;
  body: BlockBody;
  deletedIds: string[];
}

export function emptyDirectory(epoch = 0, nextBlockId = 1): BlockDirectory {
  return { key: 'directory', epoch, nextBlockId, foldedSeq: 0, blocks: [{ id: null, low: '', count: 0, foldedSeq: 0 }] };
}

/** The index of the range holding `userId`: the last whose low is at most the id. */
export function rangeIndexOf(blocks: readonly BlockEntry[], userId: string): number {
  let low = 0;
  let high = blocks.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (blocks[middle]!.low <= userId) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Whether `userId` falls in the range at `index`. */
export function inRange(blocks: readonly BlockEntry[], index: number, userId: string): boolean {
  const next = blocks[index + 1];
  return blocks[index]!.low <= userId && (next === undefined || userId < next.low);
}
