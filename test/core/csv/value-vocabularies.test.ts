import { describe, expect, it } from 'vitest';
import { normalizeValueWord, vocabularyOf } from '../../../src/core/csv/value-vocabularies.ts';

describe('value vocabularies: other platforms’ words for the values Offboard enumerates', () => {
  it('compares words with case, spacing, underscores and dashes ignored', () => {
    expect(normalizeValueWord('  Not_Started ')).toBe('not started');
    expect(normalizeValueWord('IN-PROGRESS')).toBe('in progress');
    expect(normalizeValueWord('past   due')).toBe('past due');
  });

  it('reads assignment statuses as platforms write them', () => {
    const status = vocabularyOf('assignments', 'status')!;
    const read = (cell: string) => status.canonical(cell);
    expect(['open', 'Assigned', 'not started', 'Not Started', 'NOT_STARTED', 'not-started'].map(read)).toEqual(Array(6).fill('not_started'));
    expect(['in progress', 'In Progress', 'in_progress', 'Started'].map(read)).toEqual(Array(4).fill('in_progress'));
    expect(['done', 'Complete', 'completed', 'COMPLETED'].map(read)).toEqual(Array(4).fill('completed'));
    expect(['overdue', 'Overdue', 'past due'].map(read)).toEqual(Array(3).fill('overdue'));
    expect(read('paused')).toBeNull();
  });

  it('reads user statuses: enabled/disabled, yes/no, 1/0, suspended', () => {
    const status = vocabularyOf('users', 'status')!;
    expect(['enabled', 'Yes', '1', 'TRUE', 'Active'].map((c) => status.canonical(c))).toEqual(Array(5).fill('active'));
    expect(['disabled', 'no', '0', 'Suspended', 'inactive', 'Deactivated'].map((c) => status.canonical(c))).toEqual(Array(6).fill('inactive'));
    expect(status.canonical('retired')).toBeNull();
  });

  it('reads license states, methodology models, booleans and bulk actions', () => {
    expect(vocabularyOf('licenses', 'state')!.canonical('In Use')).toBe('consumed');
    expect(vocabularyOf('licenses', 'state')!.canonical('Assigned')).toBe('reserved');
    expect(vocabularyOf('licenses', 'state')!.canonical('expired')).toBeNull();
    expect(vocabularyOf('methodologies', 'model')!.canonical('Enterprise License Agreement')).toBe('ela');
    expect(vocabularyOf('methodologies', 'model')!.canonical('per-seat')).toBe('seat');
    expect(vocabularyOf('communities', 'global')!.canonical('Yes')).toBe('true');
    expect(vocabularyOf('communities', 'global')!.canonical('N')).toBe('false');
    expect(vocabularyOf('user_list', 'action')!.canonical('Suspend')).toBe('deactivate');
    expect(vocabularyOf('user_list', 'action')!.canonical('Enable')).toBe('reactivate');
  });

  it('knows a custom field’s allowed values in any case; free-text fields and other columns are not enumerated', () => {
    const fields = [
      { name: 'region', label: 'Region', allowedValues: ['EMEA', 'APAC'] },
      { name: 'offboard', label: 'Offboard', allowedValues: [] },
    ];
    expect(vocabularyOf('users', 'custom.region', fields)!.canonical('emea')).toBe('EMEA');
    expect(vocabularyOf('custom_fields', 'custom.region', fields)!.canonical(' Apac ')).toBe('APAC');
    expect(vocabularyOf('users', 'custom.region', fields)!.canonical('Europe')).toBeNull();
    expect(vocabularyOf('users', 'custom.offboard', fields)).toBeNull();
    expect(vocabularyOf('users', 'email', fields)).toBeNull();
    expect(vocabularyOf('memberships', 'status', fields)).toBeNull();
  });
});
