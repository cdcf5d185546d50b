import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.ts';
import { describeError, hasWordsFor } from '../../src/app/describe-error.ts';

describe('error codes and their words', () => {
  it('every code the worker and the database can raise has words of its own for the admin', () => {
    const without = ERROR_CODES.filter((code) => !hasWordsFor(code));
    expect(without).toEqual([]);
    for (const code of ERROR_CODES) {
      const words = describeError({ code, message: 'detail for developers' });
      expect(words.title, code).not.toMatch(/^Something went wrong/);
      expect(words.advice.length, code).toBeGreaterThan(10);
    }
  });

  it('a code outside the union falls back to the general words, with the message as a detail', () => {
    expect(hasWordsFor('no_such_code')).toBe(false);
    expect(describeError({ code: 'no_such_code', message: 'x broke' })).toEqual({ title: 'Something went wrong (x broke).', advice: 'Your data was left as it was. Reload the page and try again.' });
  });
});
