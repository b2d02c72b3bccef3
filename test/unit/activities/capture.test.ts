// Reading SageMaker's capture records and Model Monitor's ground-truth records: the score of each documented output
// form, the join id (inferenceId, else eventId), file names' times, labels in CSV, JSON and BASE64, and which
// stable-weight period a prediction's whole second falls in.
import {
  captureFileTime,
  captureKeyBefore,
  parseCaptureFile,
  REPLAY_INFERENCE_PREFIX,
  scoreOfOutput,
} from '../../../src/activities/capture';
import { labelOf } from '../../../src/activities/ground-truth';
import { periodOf } from '../../../src/activities/live-quality';
import { replayInferenceId, replayLabelOf } from '../../../src/activities/traffic';

const record = (output: object, meta: object) =>
  JSON.stringify({
    captureData: { endpointOutput: { mode: 'OUTPUT', ...output } },
    eventMetadata: meta,
    eventVersion: '0',
  });

describe('capture records', () => {
  test.each([
    ['0.25\n', 'text/csv', 0.25],
    ['0.25,0.75', 'text/csv', 0.25],
    ['0.1\n0.2\n', 'text/csv', null], // two rows, one InferenceId: no single score
    ['{"predictions": [{"score": 0.4}]}', 'application/json', 0.4],
    ['[0.7]', 'application/json', 0.7],
    ['0.9', 'application/json', 0.9],
    ['{"score": 0.3}', 'application/json', 0.3],
    ['{"predictions": [{"score": 0.1}, {"score": 0.2}]}', 'application/json', null],
    ['not a score', 'text/csv', null],
    ['', 'text/csv', null],
  ])('%j (%s) → %s', (text, type, score) => {
    expect(scoreOfOutput(text, type)).toBe(score);
  });

  test('the join id is inferenceId when given, else eventId; BASE64 output is decoded; replay ids are marked', () => {
    const text = [
      record(
        { observedContentType: 'text/csv', data: '0.5', encoding: 'CSV' },
        {
          eventId: 'e1',
          inferenceId: 'order-1',
          inferenceTime: '2026-12-05T21:04:05Z',
        },
      ),
      record(
        {
          observedContentType: 'application/json',
          data: Buffer.from('[0.125]').toString('base64'),
          encoding: 'BASE64',
        },
        { eventId: 'e2', inferenceTime: '2026-12-05T21:04:06Z' },
      ),
      record(
        { observedContentType: 'text/csv', data: '0.5', encoding: 'CSV' },
        {
          eventId: 'e3',
          inferenceId: `${REPLAY_INFERENCE_PREFIX}x`,
          inferenceTime: '2026-12-05T21:04:07Z',
        },
      ),
      'not json',
      JSON.stringify({ eventMetadata: { eventId: 'no-time' } }),
    ].join('\n');
    const { predictions, malformed } = parseCaptureFile(text);
    expect(malformed).toBe(2);
    expect(predictions).toEqual([
      { id: 'order-1', at: Date.UTC(2026, 11, 5, 21, 4, 5), score: 0.5, replay: false },
      { id: 'e2', at: Date.UTC(2026, 11, 5, 21, 4, 6), score: 0.125, replay: false },
      { id: `${REPLAY_INFERENCE_PREFIX}x`, at: Date.UTC(2026, 11, 5, 21, 4, 7), score: 0.5, replay: true },
    ]);
  });

  test("a one-row replay request's InferenceId carries its 0/1 label, within InferenceId's 64 characters", () => {
    const uuid = '123e4567-e89b-42d3-a456-426614174000';
    const id = replayInferenceId(uuid, [1]);
    expect(id).toBe(`${REPLAY_INFERENCE_PREFIX}${uuid}-y1`);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(replayLabelOf(id)).toBe(1);
    expect(replayLabelOf(replayInferenceId(uuid, [0]))).toBe(0);
    // Several rows, or a label that is not 0/1: no label (one InferenceId, one answer to pair).
    expect(replayInferenceId(uuid, [1, 0])).toBe(`${REPLAY_INFERENCE_PREFIX}${uuid}`);
    expect(replayLabelOf(replayInferenceId(uuid, [3]))).toBeUndefined();
    expect(replayLabelOf('live-request-y1')).toBeUndefined();
    const [p] = parseCaptureFile(
      record(
        { data: '0.7', encoding: 'CSV' },
        { eventId: 'e', inferenceId: id, inferenceTime: '2026-12-05T21:04:07Z' },
      ),
    ).predictions;
    expect(p).toMatchObject({ id, replay: true, replayLabel: 1, score: 0.7 });
  });

  test("file names give their first record's time, and sort after the key the reader starts after", () => {
    const key = 'dc/churn/Champion/2026/12/05/21/04-05-123-8f9c.jsonl';
    expect(captureFileTime(key)).toBe(Date.UTC(2026, 11, 5, 21, 4, 5, 123));
    expect(captureFileTime('dc/churn/Champion/readme.txt')).toBeNull();
    const before = captureKeyBefore('dc/churn/Champion', Date.UTC(2026, 11, 5, 21, 4, 5, 123));
    expect(before < key).toBe(true);
    expect(captureKeyBefore('dc/churn/Champion', Date.UTC(2026, 11, 5, 21, 4, 5, 124)) > key).toBe(true);
  });
});

describe('ground-truth records', () => {
  test.each([
    ['1', 'CSV', 1],
    ['0', undefined, 0],
    ['1,extra', 'CSV', 1],
    ['1', 'JSON', 1],
    ['"0"', 'JSON', 0],
    [Buffer.from('1').toString('base64'), 'BASE64', 1],
    [1, 'CSV', 1],
    ['', 'CSV', NaN],
    ['yes', 'CSV', NaN],
  ])('%j (%s) → %s', (data, encoding, label) => {
    expect(labelOf(data, encoding)).toBe(label);
  });
});

test('a prediction counts in a stable-weight period only when its whole second is inside', () => {
  const periods = [
    { from: 10_000, to: 20_000, candidateWeight: 50 },
    { from: 25_000, candidateWeight: 75 },
  ];
  expect(periodOf(periods, 10_000)).toBe(0);
  expect(periodOf(periods, 19_000)).toBe(0);
  expect(periodOf(periods, 19_500)).toBe(-1); // might be after the shift began
  expect(periodOf(periods, 9_999)).toBe(-1);
  expect(periodOf(periods, 22_000)).toBe(-1); // shifting
  expect(periodOf(periods, 99_000)).toBe(1);
});
