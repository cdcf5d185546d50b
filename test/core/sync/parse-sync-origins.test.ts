import { describe, expect, it } from 'vitest';
import { parseSyncOrigins } from '../../../src/core/sync/parse-sync-origins.ts';

describe('parseSyncOrigins', () => {
  it('reads nothing from an empty or missing setting: the app’s own origin only', () => {
    expect(parseSyncOrigins(undefined)).toEqual({ origins: [], errors: [] });
    expect(parseSyncOrigins('')).toEqual({ origins: [], errors: [] });
    expect(parseSyncOrigins(' , ,\n')).toEqual({ origins: [], errors: [] });
  });

  it('serializes each origin as browsers do, once, in the order given', () => {
    const { origins, errors } = parseSyncOrigins(' https://Sync.Example.com:443/ ,http://127.0.0.1:8787  https://sync.example.com,https://other.example:8443');
    expect(errors).toEqual([]);
    expect(origins).toEqual(['https://sync.example.com', 'http://127.0.0.1:8787', 'https://other.example:8443']);
  });

  it('refuses entries that are not http(s) origins, and keeps the good ones', () => {
    const { origins, errors } = parseSyncOrigins("https://ok.example,sync.example.com,'self',*,wss://ws.example,https://sync.example.com/api,https://user:pw@x.example");
    expect(origins).toEqual(['https://ok.example']);
    expect(errors).toEqual([
      '"sync.example.com" is not an origin: write it as https://sync.example.com.',
      `"'self'" is not an origin: write it as https://sync.example.com.`,
      '"*" is not an origin: write it as https://sync.example.com.',
      '"wss://ws.example" is not an origin: write it as https://sync.example.com.',
      '"https://sync.example.com/api" is more than an origin: write https://sync.example.com, without a path.',
      '"https://user:pw@x.example" is more than an origin: write https://x.example, without a path.',
    ]);
  });
});
