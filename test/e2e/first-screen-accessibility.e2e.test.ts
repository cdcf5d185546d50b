import { describe, expect, it } from 'vitest';
import { findSeriousAccessibilityViolations } from './axe-check.ts';
import { useBrowserSession } from './browser-session.ts';

describe('the first screen', () => {
  const session = useBrowserSession();

  it('has no serious or critical accessibility violations on an empty device', async () => {
    const { page } = session();
    await page.goto('/');
    await page.getByRole('button', { name: 'Load demo organization' }).waitFor({ timeout: 30_000 });
    expect(await findSeriousAccessibilityViolations(page)).toEqual([]);
  });
});
