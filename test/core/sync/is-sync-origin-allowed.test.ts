import { describe, expect, it } from 'vitest';
import { blockedSyncOriginMessage, isSyncOriginAllowed } from '../../../src/core/sync/is-sync-origin-allowed.ts';

const APP = 'https://offboard.example.com';

describe('isSyncOriginAllowed', () => {
  it('allows the app’s own origin, whatever the path (the reference server under /api)', () => {
    expect(isSyncOriginAllowed('https://offboard.example.com/api', APP, [])).toBe(true);
    expect(isSyncOriginAllowed('https://OFFBOARD.example.com:443/api/', `${APP}/`, [])).toBe(true);
  });

  it('allows exactly the origins the deployment listed', () => {
    const allowed = ['https://sync.example.com', 'http://127.0.0.1:8787'];
    expect(isSyncOriginAllowed('https://sync.example.com/v1/offboard', APP, allowed)).toBe(true);
    expect(isSyncOriginAllowed('  http://127.0.0.1:8787/api  ', APP, allowed)).toBe(true);
    // Another scheme, port or host is another origin, which the policy blocks.
    expect(isSyncOriginAllowed('http://sync.example.com/api', APP, allowed)).toBe(false);
    expect(isSyncOriginAllowed('https://sync.example.com:8443/api', APP, allowed)).toBe(false);
    expect(isSyncOriginAllowed('https://evil.sync.example.com/api', APP, allowed)).toBe(false);
    expect(isSyncOriginAllowed('http://localhost:8787/api', APP, allowed)).toBe(false);
  });

  it('allows nothing that is not an absolute URL', () => {
    expect(isSyncOriginAllowed('sync.example.com/api', APP, ['https://sync.example.com'])).toBe(false);
    expect(isSyncOriginAllowed('', APP, [])).toBe(false);
    expect(isSyncOriginAllowed('file:///api', APP, [])).toBe(false);
  });
});

describe('blockedSyncOriginMessage', () => {
  it('is null for an allowed server', () => {
    expect(blockedSyncOriginMessage(`${APP}/api`, APP, [])).toBeNull();
  });

  it('says so when the address is no URL at all', () => {
    expect(blockedSyncOriginMessage('sync.example.com', APP, [])).toBe('“sync.example.com” is not a server address. This app only connects to its own server (https://offboard.example.com).');
  });

  it('names the servers the app reaches and the origin to ask for', () => {
    expect(blockedSyncOriginMessage('https://platform.example.org/sync', APP, [])).toBe(
      'This app only connects to its own server (https://offboard.example.com); ask whoever deployed it to add https://platform.example.org.',
    );
    expect(blockedSyncOriginMessage('https://platform.example.org/sync', APP, ['https://a.example'])).toBe(
      'This app only connects to its own server (https://offboard.example.com) and https://a.example; ask whoever deployed it to add https://platform.example.org.',
    );
    expect(blockedSyncOriginMessage('https://platform.example.org/sync', APP, ['https://a.example', 'https://b.example'])).toBe(
      'This app only connects to its own server (https://offboard.example.com), https://a.example and https://b.example; ask whoever deployed it to add https://platform.example.org.',
    );
  });
});
