import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectTextEncoding, ENCODING_SAMPLE_BYTES, hasNonAsciiByte, isUtf8 } from '../../../src/core/csv/detect-text-encoding.ts';
import { CSV_FIXTURES } from '../../fixtures/csv-fixture-expectations.ts';

const FIXTURES = new URL('../../fixtures/csv/', import.meta.url);

function fixtureHead(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES))).subarray(0, ENCODING_SAMPLE_BYTES);
}

describe('detectTextEncoding', () => {
  for (const [name, expected] of Object.entries(CSV_FIXTURES)) {
    it(`tells the encoding of ${name}`, () => {
      expect(detectTextEncoding(fixtureHead(name))).toEqual(expected.encoding);
    });
  }

  it('reads plain ASCII as UTF-8', () => {
    expect(detectTextEncoding(new TextEncoder().encode('id,email\r\nU1,a@b.example\r\n'))).toEqual({ encoding: 'utf-8', hasBom: false });
  });

  it('keeps UTF-8 when the sample ends in the middle of a character', () => {
    const bytes = new TextEncoder().encode('id,first_name\nU1,Zoë');
    expect(detectTextEncoding(bytes.subarray(0, bytes.length - 1))).toEqual({ encoding: 'utf-8', hasBom: false });
  });

  it('reads bytes that are not UTF-8 as Windows-1252: a lone accent, an overlong form, an encoded surrogate', () => {
    expect(detectTextEncoding(Uint8Array.from([0x5a, 0x6f, 0xeb, 0x0a]))?.encoding).toBe('windows-1252');
    expect(detectTextEncoding(Uint8Array.from([0x41, 0xc0, 0xaf, 0x0a]))?.encoding).toBe('windows-1252');
    expect(detectTextEncoding(Uint8Array.from([0x41, 0xed, 0xa0, 0x80, 0x0a]))?.encoding).toBe('windows-1252');
    expect(detectTextEncoding(Uint8Array.from([0x80, 0x31, 0x30, 0x0a]))?.encoding).toBe('windows-1252');
  });

  it('tells UTF-16 BE without a BOM by its NUL bytes', () => {
    const text = 'id,email\r\nU1,zoe@northwind.example\r\n';
    const le = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) le[i * 2] = text.charCodeAt(i);
    const be = new Uint8Array(le.length);
    for (let i = 0; i < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1]!, le[i]!];
    expect(detectTextEncoding(le)).toEqual({ encoding: 'utf-16le', hasBom: false });
    expect(detectTextEncoding(be)).toEqual({ encoding: 'utf-16be', hasBom: false });
  });

  it('says a file with NUL bytes in no UTF-16 pattern, or full of control bytes, is not text', () => {
    expect(detectTextEncoding(Uint8Array.from([0x69, 0x64, 0x00, 0x00, 0x00, 0x2c, 0x61, 0x0a]))).toBeNull();
    const controls = Uint8Array.from({ length: 4096 }, (_, i) => (i % 7 === 0 ? 0x03 : 0x41 + (i % 26)));
    expect(detectTextEncoding(controls)).toBeNull();
    // UTF-16 with a BOM but NUL characters in it: a binary file that happens to start with FF FE.
    expect(detectTextEncoding(Uint8Array.from([0xff, 0xfe, 0x41, 0x00, 0x00, 0x00, 0x42, 0x00]))).toBeNull();
  });

  it('lets one stray control character, or a DOS end-of-file mark, through', () => {
    expect(detectTextEncoding(new TextEncoder().encode('id,name\nU1,Ada\x1a'))?.encoding).toBe('utf-8');
    expect(detectTextEncoding(new TextEncoder().encode('id,name\nU1,A\x07da\n'))?.encoding).toBe('utf-8');
  });

  it('says a workbook (ZIP or old Office) is not text', () => {
    expect(detectTextEncoding(Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x41, 0x42]))).toBeNull();
  });

  it('judges a later slice of a file: UTF-8 with a character cut off at its end, or not', () => {
    const zoe = new TextEncoder().encode('Zoë');
    expect(isUtf8(zoe)).toBe(true);
    expect(isUtf8(zoe.subarray(0, 3))).toBe(true);
    expect(isUtf8(Uint8Array.from([0x5a, 0x6f, 0xeb, 0x2c]))).toBe(false);
    expect(hasNonAsciiByte(new TextEncoder().encode('id,email\n'))).toBe(false);
    expect(hasNonAsciiByte(zoe)).toBe(true);
  });
});
