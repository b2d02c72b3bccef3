import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { decodeUbjson, looksLikeUbjson } from '../../../src/emulator/ubjson';
import { loadXGBoostModel } from '../../../src/emulator/xgboost';

/**
 * A UBJSON writer following xgboost's own (src/common/json.cc UBJWriter): int64 lengths, big-endian numbers,
 * float arrays as `[$d#L<n>` float32 runs, integer arrays as typed int32 / uint8 runs, strings as `S` + length.
 */
function encode(value: unknown): Buffer {
  const out: Buffer[] = [];
  const int64 = (n: number) => {
    const b = Buffer.alloc(9);
    b.write('L', 0);
    b.writeBigInt64BE(BigInt(n), 1);
    return b;
  };
  const str = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    return Buffer.concat([int64(bytes.length), bytes]);
  };
  const walk = (v: unknown): void => {
    if (v === null) out.push(Buffer.from('Z'));
    else if (typeof v === 'boolean') out.push(Buffer.from(v ? 'T' : 'F'));
    else if (typeof v === 'string') out.push(Buffer.from('S'), str(v));
    else if (typeof v === 'number') {
      if (Number.isInteger(v)) out.push(int64(v));
      else {
        const b = Buffer.alloc(9);
        b.write('D', 0);
        b.writeDoubleBE(v, 1);
        out.push(b);
      }
    } else if (Array.isArray(v)) {
      const numeric = v.length > 0 && v.every((x) => typeof x === 'number' || x === null);
      if (numeric && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 256)) {
        out.push(Buffer.from('[$U#'), int64(v.length), Buffer.from(v as number[]));
      } else if (numeric && v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
        const b = Buffer.alloc(4 * v.length);
        (v as number[]).forEach((x, i) => b.writeInt32BE(x, 4 * i));
        out.push(Buffer.from('[$l#'), int64(v.length), b);
      } else if (numeric) {
        const b = Buffer.alloc(4 * v.length);
        v.forEach((x, i) => b.writeFloatBE(x === null ? NaN : (x as number), 4 * i));
        out.push(Buffer.from('[$d#'), int64(v.length), b);
      } else {
        out.push(Buffer.from('['));
        v.forEach(walk);
        out.push(Buffer.from(']'));
      }
    } else {
      out.push(Buffer.from('{'));
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        out.push(str(k));
        walk(x);
      }
      out.push(Buffer.from('}'));
    }
  };
  walk(value);
  return Buffer.concat(out);
}

interface Fixture {
  name: string;
  model_text: string;
  rows: (number | null)[][];
  expected: number[][];
}
const DIR = join(__dirname, '../../fixtures/xgboost');
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture)
  // xgboost writes a bare NaN token in categorical models' JSON, which JSON.parse (and so this encoder) cannot take.
  .filter((f) => !f.model_text.includes('NaN'));

describe('UBJSON', () => {
  test('scalars, strings, nested and optimised containers decode', () => {
    const doc = { a: [1, 2, 300], b: 'x', c: [0.5, -2.25], d: { e: [true, false, null, 'y'] }, f: 1.5, g: [] };
    expect(decodeUbjson(encode(doc))).toEqual(doc);
    // Unsized containers with no-op padding, int8/int16 markers and a char.
    const raw = Buffer.from([0x7b, 0x69, 1, 0x6b, 0x5b, 0x69, 0xff, 0x4e, 0x49, 0x01, 0x00, 0x43, 0x7a, 0x5d, 0x7d]);
    expect(looksLikeUbjson(raw)).toBe(true);
    expect(decodeUbjson(raw)).toEqual({ k: [-1, 256, 'z'] });
  });

  test.each(fixtures.map((f) => [f.name, f] as const))('%s as UBJSON scores the same as its JSON', (_n, fx) => {
    const ubj = encode(JSON.parse(fx.model_text));
    expect(looksLikeUbjson(ubj)).toBe(true);
    const rows = fx.rows.map((r) => r.map((v) => (v === null ? NaN : v)));
    const got = loadXGBoostModel(ubj).predict(rows);
    got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - fx.expected[i][j])).toBeLessThanOrEqual(1e-6)));
  });

  test('truncated and unknown input is refused with the offset', () => {
    expect(() => decodeUbjson(Buffer.from('{L\u0000\u0000'))).toThrow(/truncated UBJSON/);
    expect(() => decodeUbjson(Buffer.from('[q]'))).toThrow(/unknown UBJSON marker "q"/);
  });
});
