import { describe, expect, it } from 'vitest';
import { importNotice } from '../../../src/core/csv/import-notice.ts';

const done = { created: 0, updated: 0, rejected: 0, isCancelled: false, failure: null };

describe('import notice', () => {
  it('A16: a change via upload says how many users changed and how many rows were rejected', () => {
    expect(importNotice({ ...done, updated: 1_204, rejected: 3 }, ['custom_fields'])).toBe('Upload processed: 1204 changed, 3 rejected.');
  });

  it('A16: an import of records says what it created and updated, and whether it stopped short', () => {
    expect(importNotice({ ...done, created: 2, updated: 3, rejected: 1 }, ['users', 'memberships'])).toBe('Import processed: 2 created, 3 updated, 1 rejected.');
    expect(importNotice({ ...done, created: 2_000, isCancelled: true }, ['users'])).toMatch(/cancelled; what was written stays\.$/);
    expect(importNotice({ ...done, failure: { code: 'quota', message: 'The disk is full.' } }, ['custom_fields'])).toBe('Upload processed: 0 changed, 0 rejected. It stopped: The disk is full.');
  });
});
