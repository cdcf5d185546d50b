import { describe, expect, it } from 'vitest';
import { formatList, plural, pluralWord } from '../../src/core/plural.ts';

describe('plural', () => {
  it('says one thing in the singular and every other count in the plural', () => {
    expect(plural(1, 'user')).toBe('1 user');
    expect(plural(0, 'user')).toBe('0 users');
    expect(plural(2, 'user')).toBe('2 users');
  });

  it('writes counts with thousands separators', () => {
    expect(plural(15_000, 'user')).toBe('15,000 users');
    expect(plural(1_000_000, 'row')).toBe('1,000,000 rows');
  });

  it('knows the regular English endings: batch → batches, entry → entries, day → days', () => {
    expect(plural(1, 'batch')).toBe('1 batch');
    expect(plural(3, 'batch')).toBe('3 batches');
    expect(plural(2, 'entry')).toBe('2 entries');
    expect(plural(2, 'community')).toBe('2 communities');
    expect(plural(2, 'day')).toBe('2 days');
    expect(plural(2, 'address')).toBe('2 addresses');
    expect(plural(2, 'box')).toBe('2 boxes');
  });

  it('pluralizes the last word of a phrase', () => {
    expect(plural(2, 'previous assignment')).toBe('2 previous assignments');
    expect(plural(1, 'membership request')).toBe('1 membership request');
    expect(plural(4, 'membership request')).toBe('4 membership requests');
  });

  it('takes the plural form when English does not follow the rule', () => {
    expect(plural(2, 'change is', 'changes are')).toBe('2 changes are');
    expect(plural(1, 'change is', 'changes are')).toBe('1 change is');
    expect(plural(3, 'entry matches', 'entries match')).toBe('3 entries match');
  });
});

describe('pluralWord', () => {
  it('gives the word alone, for sentences where the count is said elsewhere', () => {
    expect(pluralWord(1, 'user')).toBe('user');
    expect(pluralWord(7, 'user')).toBe('users');
    expect(pluralWord(2, 'batch')).toBe('batches');
  });
});

describe('formatList', () => {
  it('joins two items with "and"', () => {
    expect(formatList(['region', 'offboard'])).toBe('region and offboard');
  });

  it('joins three or more with commas and a final "and"', () => {
    expect(formatList(['a', 'b', 'c'])).toBe('a, b and c');
    expect(formatList(['a', 'b', 'c', 'd'])).toBe('a, b, c and d');
  });

  it('says one item as it is, and nothing as an empty string', () => {
    expect(formatList(['region'])).toBe('region');
    expect(formatList([])).toBe('');
  });

  it('takes another conjunction', () => {
    expect(formatList(['deactivate', 'reactivate', 'delete'], 'or')).toBe('deactivate, reactivate or delete');
  });

  it('names the first items of a long list and counts the rest', () => {
    expect(formatList(['a', 'b', 'c', 'd', 'e'], 'and', 3)).toBe('a, b, c and 2 more');
    expect(formatList(['a', 'b', 'c'], 'and', 3)).toBe('a, b and c');
    expect(formatList(Array.from({ length: 1_203 }, (_, i) => `u${i}`), 'and', 2)).toBe('u0, u1 and 1,201 more');
  });
});
