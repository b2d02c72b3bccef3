// The evaluation log stays bounded however long a rollout soaks: the latest evaluations whole, older ones compact
// and thinned evenly, the oldest always kept.
import type { Evaluation } from '../../../src/analysis';
import { appendEvaluation, COMPACT_EVALUATIONS, FULL_EVALUATIONS } from '../../../src/workflows/evaluation-log';
import type { EvaluationRecord } from '../../../src/workflows/shared';

function record(i: number): EvaluationRecord {
  const evaluation: Evaluation = {
    verdict: 'continue',
    reason: `evaluation ${i}: waiting for evidence`,
    results: [
      {
        guardrail: 'errorRate5xx',
        verdict: 'continue',
        baseline: 0.01,
        candidate: 0.011,
        difference: 0.001,
        interval: [-0.002, 0.004],
        tolerance: 0.005,
        alpha: 0.01,
        samples: { baseline: i * 10, candidate: i * 10 },
        method: 'a long method name that costs bytes',
        reason: 'a long reason that costs bytes',
      },
    ],
  };
  return { at: new Date(i * 30_000).toISOString(), step: 1, soakFraction: i / 20_160, evaluation, alarms: [] };
}

test('a 7-day soak evaluated every 30 s keeps at most the whole and compact caps, spread over the rollout', () => {
  const log: EvaluationRecord[] = [];
  for (let i = 0; i < 20_160; i++) appendEvaluation(log, record(i));
  const whole = log.filter((e) => !e.compact);
  const compact = log.filter((e) => e.compact);
  expect(whole.map((e) => e.at)).toEqual(
    Array.from({ length: FULL_EVALUATIONS }, (_, k) => record(20_160 - FULL_EVALUATIONS + k).at),
  );
  expect(compact.length).toBeLessThanOrEqual(COMPACT_EVALUATIONS);
  expect(compact.length).toBeGreaterThan(COMPACT_EVALUATIONS / 2);
  // Numbered in order, the very first kept, and the compact ones evenly spread over the whole soak (every 128th).
  expect(log.map((e) => e.seq)).toEqual([...log.map((e) => e.seq!)].sort((a, b) => a - b));
  expect(log.at(-1)!.seq).toBe(20_159);
  expect(compact[0].at).toBe(record(0).at);
  const gaps = new Set(compact.slice(1).map((e, k) => e.seq! - compact[k].seq!));
  expect([...gaps]).toEqual([128]);
  expect(compact.at(-1)!.seq).toBeGreaterThan(20_160 - FULL_EVALUATIONS - 128);
  // A compact record keeps what the report's charts draw, and drops the words.
  expect(compact[0].evaluation.results[0]).toMatchObject({ difference: 0.001, interval: [-0.002, 0.004], reason: '' });
  expect(JSON.stringify(log).length).toBeLessThan(200_000);
});
