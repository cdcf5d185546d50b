import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.ts';
import { describeError, describeRefusal, describeRuleProblem, describeSignInFailure, hasWordsFor } from '../../src/app/describe-error.ts';
import { codedError, type RefusalDetails } from '../../src/core/coded-error.ts';
import { ruleProblem } from '../../src/core/selection-rule.ts';
import { EMPTY_FILTER } from '../../src/core/roster-filter.ts';

describe('error codes and their words', () => {
  it('every code the worker and the database can raise has words of its own for the admin', () => {
    const without = ERROR_CODES.filter((code) => !hasWordsFor(code));
    expect(without).toEqual([]);
    for (const code of ERROR_CODES) {
      const words = describeError({ code, message: 'detail for developers' });
      expect(words.title, code).not.toMatch(/^Something went wrong/);
      expect(words.advice.length, code).toBeGreaterThan(10);
      // The message is for logs: the admin's words are the page's own, whatever the worker wrote there.
      expect(`${words.title} ${words.advice}`, code).not.toContain('detail for developers');
    }
  });

  it('a refusal names the users and communities as the admin knows them, from the error’s details', () => {
    const transfer: RefusalDetails = { operation: 'transfer_community_admin', reason: 'not_active', rule: 'F3', userId: 'U7', communityId: 'C-2', names: { U7: 'Ada Lovelace', 'C-2': 'Finance' } };
    expect(describeError(codedError('transfer_refused', 'U7 inactive', transfer))).toEqual({
      title: 'Ada Lovelace is not an active user: the new admin must be active.',
      advice: 'Nothing was changed. Choose an active user other than the current admin, and try again.',
    });
    expect(describeRefusal({ ...transfer, reason: 'not_admin' })).toBe('Ada Lovelace is no longer an admin of Finance.');
    // An id the roster no longer knows is named by its id.
    expect(describeRefusal({ ...transfer, reason: 'unknown_user', names: {} })).toBe('U7 is no longer on the roster.');
    const certificate: RefusalDetails = { operation: 'issue_certificate', reason: 'not_found', rule: 'R4', userId: 'U7', communityId: 'C-2', courseId: 'K-9', names: { U7: 'Ada Lovelace', 'C-2': 'Finance' } };
    expect(describeRefusal(certificate)).toBe('Ada Lovelace has not completed K-9 in Finance.');
    expect(describeRefusal({ ...certificate, reason: 'certificate_exists' })).toBe('Ada Lovelace already has the certificate of K-9.');
    expect(describeRefusal({ operation: 'import', reason: 'duplicate_email', rule: null, userId: 'U8', email: 'ada@acme.example', names: {} })).toBe('Another user already has the email ada@acme.example.');
    // Without details (an older worker), the code's general words still say what did not happen.
    expect(describeError({ code: 'reassign_refused', message: 'x' }).title).toBe('The assignments were not re-assigned.');
  });

  it('A1: a missing permission names the permission and what the admin was about to do', () => {
    const error = codedError('permission_denied', 'U1 lacks manage_users', { permission: 'manage_users', action: 'change_settings' });
    expect(describeError(error).title).toBe('You need the manage_users permission to change the organization’s settings (A1).');
    expect(describeError(codedError('permission_denied', 'x', { permission: 'reports', action: 'export_reports' })).title).toBe('You need the reports permission to export reports (A1).');
  });

  it('a rule the page cannot save says what to fix, for every problem the core finds', () => {
    expect(describeRuleProblem(ruleProblem(' ', { status: 'active' })!)).toBe('Give the rule a name.');
    expect(describeRuleProblem(ruleProblem('x'.repeat(81), { status: 'active' })!)).toBe('Keep the name under 80 characters.');
    expect(describeRuleProblem(ruleProblem('Everyone', EMPTY_FILTER)!)).toMatch(/at least one criterion/);
    expect(describeRuleProblem(ruleProblem('Bad day', { ...EMPTY_FILTER, createdBefore: '01/02/2026' })!)).toBe('The created date must be a day (YYYY-MM-DD).');
    expect(describeError(codedError('rule_refused', 'no_name', { problem: { code: 'no_name' } })).title).toBe('Give the rule a name.');
  });

  it('a failed sign-in says what to fix, with what the server or browser said', () => {
    expect(describeSignInFailure({ code: 'unauthorized', detail: '401' }, 'https://sync.example')).toBe('The server does not accept this token.');
    expect(describeSignInFailure({ code: 'bad_url', detail: '' }, 'sync')).toMatch(/^Enter the server’s address/);
    expect(describeSignInFailure({ code: 'offline', detail: 'Failed to fetch' }, 'https://sync.example')).toBe(
      'Sync server not reachable. There is no connection, or the server is down. Changes wait on this device and are sent once it answers. The server or browser said: Failed to fetch',
    );
  });

  it('a code outside the union falls back to the general words, with the message as a detail', () => {
    expect(hasWordsFor('no_such_code')).toBe(false);
    expect(describeError({ code: 'no_such_code', message: 'x broke' })).toEqual({ title: 'Something went wrong (x broke).', advice: 'Your data was left as it was. Reload the page and try again.' });
  });
});
