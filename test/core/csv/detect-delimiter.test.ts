import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../../src/core/csv/detect-delimiter.ts';
import { detectTextEncoding, ENCODING_SAMPLE_BYTES } from '../../../src/core/csv/detect-text-encoding.ts';
import { CSV_FIXTURES } from '../../fixtures/csv-fixture-expectations.ts';

const FIXTURES = new URL('../../fixtures/csv/', import.meta.url);

/** The head of a fixture decoded as the worker decodes it. */
function fixtureSample(name: string): string {
  const head = new Uint8Array(readFileSync(new URL(name, FIXTURES))).subarray(0, ENCODING_SAMPLE_BYTES);
  const encoding = detectTextEncoding(head);
  if (encoding === null) throw new Error(`${name} is not text`);
  return new TextDecoder(encoding.encoding).decode(head);
}

describe('detectDelimiter', () => {
  for (const [name, expected] of Object.entries(CSV_FIXTURES)) {
    if (expected.delimiter === undefined) continue;
    it(`tells the delimiter of ${name}`, () => {
      expect(detectDelimiter(fixtureSample(name))).toBe(expected.delimiter);
    });
  }

  it('picks semicolons over the decimal commas of some cells', () => {
    expect(detectDelimiter('id;name;fte\n1;Zoë;0,5\n2;José;1\n3;Ærø;0,75\n')).toBe(';');
  });

  it('picks commas over the semicolon-separated lists of some cells', () => {
    expect(detectDelimiter('id,name,global,admin_ids\nC-1,All,true,U1;U2\nC-2,EMEA,false,U3\nC-3,APAC,false,U4;U5;U6\n')).toBe(',');
  });

  it('ignores delimiters and line breaks inside quoted cells', () => {
    const sample = 'id;note\n1;"a, b, c\nd, e, f"\n2;"g, h"\n3;plain\n';
    expect(detectDelimiter(sample)).toBe(';');
  });

  it('treats a quote inside an unquoted cell as text, as PapaParse does', () => {
    expect(detectDelimiter('id\tsize\tnote\n1\t27" monitor\tx, y\n2\t24" monitor\tz\n')).toBe('\t');
  });

  it('reads a header alone', () => {
    expect(detectDelimiter('id;email;first_name;last_name')).toBe(';');
    expect(detectDelimiter('id\temail\r\n')).toBe('\t');
  });

  it('falls back to a comma for a file of one column, or for nothing', () => {
    expect(detectDelimiter('email\na@b.example\nc@d.example\n')).toBe(',');
    expect(detectDelimiter('')).toBe(',');
  });

  it('leaves out the last record when the sample cuts it off', () => {
    expect(detectDelimiter('a;b;c\n1;2;3\n4;5;6\n7,8,9,10,11,12,13')).toBe(';');
  });
});
