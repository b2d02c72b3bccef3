import { readFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { readModelArtifact } from '../../../src/emulator/model-artifact';
import { loadXGBoostModel } from '../../../src/emulator/xgboost';

// Archives packed by python's tarfile in scripts/train-demo-models.py (GNU, pax and ustar formats).
const ARTIFACTS = join(__dirname, '../../fixtures/xgboost/artifacts');
const CHURN = join(__dirname, '../../../examples/churn');
const read = (name: string) => readFileSync(join(ARTIFACTS, name));
const expected = JSON.parse(read('expected.json').toString('utf8')) as { rows: number[][]; expected: number[] };

function scoresOf(model: ReturnType<typeof readModelArtifact>): number[] {
  return loadXGBoostModel(model)
    .predict(expected.rows)
    .map((r) => r[0]);
}

describe('readModelArtifact', () => {
  it.each([
    ['dot-slash.tar.gz', './xgboost-model beside a ._ AppleDouble file and a ./ directory entry'],
    ['pax-long-path.tar.gz', 'pax header with a path longer than 100 bytes'],
    ['single-other-name.tar', 'an uncompressed tar with one file of another name'],
    ['bare-model.json', 'a bare JSON model file'],
    ['ubj-model.tar.gz', "xgboost's UBJSON format (its default for save_model without .json from 2.1)"],
  ])('reads %s (%s)', (file) => {
    const scores = scoresOf(readModelArtifact(read(file)));
    scores.forEach((s, i) => expect(Math.abs(s - expected.expected[i])).toBeLessThanOrEqual(1e-6));
  });

  it('reads a gzip-compressed bare JSON model', () => {
    const text = readModelArtifact(gzipSync(read('bare-model.json')));
    expect(text).toBe(read('bare-model.json').toString('utf8'));
  });

  it.each(['champion', 'challenger', 'worse'])('reads the committed %s demo model', (variant) => {
    const bytes = readFileSync(join(CHURN, variant, 'model.tar.gz'));
    expect(bytes.length).toBeLessThan(300 * 1024);
    const model = loadXGBoostModel(readModelArtifact(bytes));
    expect(model).toMatchObject({ objective: 'binary:logistic', numFeatures: 8, numClass: 1 });
  });

  it.each([
    ['legacy-binary-model.tar.gz', /not JSON or UBJSON.*save_model\("xgboost-model.json"\)/],
    ['no-model.tar.gz', /no "xgboost-model" file \(found: notes.txt, metrics.json\)/],
  ])('explains what is wrong with %s', (file, message) => {
    expect(() => readModelArtifact(read(file))).toThrow(message);
  });

  it('rejects garbage, a pickle, an empty file and a corrupt gzip with clear messages', () => {
    expect(() => readModelArtifact(Buffer.from([0x00, 0x13, 0x37, 0x42]))).toThrow(/not JSON.*save_model/);
    expect(() => readModelArtifact(Buffer.from('{L\u0000\u0000\u0000\u0007learner'))).toThrow(
      /UBJSON .*cannot be decoded.*truncated/,
    );
    expect(() => readModelArtifact(Buffer.from([0x80, 0x04, 0x95, 0x00]))).toThrow(/pickled/);
    expect(() => readModelArtifact(Buffer.alloc(0))).toThrow(/empty/);
    const gz = read('dot-slash.tar.gz');
    expect(() => readModelArtifact(gz.subarray(0, gz.length - 40))).toThrow(/not a readable gzip/);
  });

  it('rejects a tar with a corrupt header instead of reading garbage', () => {
    const tar = read('single-other-name.tar');
    const broken = Buffer.from(tar);
    broken[130] = 0x37; // inside the size field: the header checksum no longer matches
    expect(() => readModelArtifact(broken)).toThrow(/checksum/);
  });
});
