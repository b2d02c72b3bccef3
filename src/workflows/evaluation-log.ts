// The rollout's evaluations, bounded however long it soaks: full records of the latest evaluations, compact ones
// (each guardrail's verdict, difference and interval, for the report's charts) of older ones. Older evaluations are
// kept every `stride`-th (by their number), and the stride doubles whenever more than COMPACT_EVALUATIONS would be
// kept, so the compact ones stay evenly spread over the whole rollout. A 7-day soak evaluated every 30 s makes 20,160
// evaluations; the log keeps at most 220.
import type { EvaluationRecord } from './shared';

/** Latest evaluations kept whole (status, watch and the report's tables read these). */
export const FULL_EVALUATIONS = 20;
/** Older evaluations kept compact, at most. */
export const COMPACT_EVALUATIONS = 200;

/** Appends an evaluation, numbering it (`seq`, from 0) after the last one in the log. */
export function appendEvaluation(log: EvaluationRecord[], record: EvaluationRecord): void {
  const seq = (log.at(-1)?.seq ?? -1) + 1;
  log.push({ ...record, seq });
  const firstFull = log.findIndex((e) => !e.compact);
  if (log.length - firstFull <= FULL_EVALUATIONS) return;
  const oldest = log[firstFull];
  log[firstFull] = compact(oldest);
  // Every stride-th evaluation among those compacted so far (numbers 0..oldest.seq) fits in COMPACT_EVALUATIONS.
  const stride = strideFor(oldest.seq!);
  const kept = log.slice(0, firstFull + 1).filter((e) => (e.seq ?? 0) % stride === 0);
  log.splice(0, firstFull + 1, ...kept);
}

/** The smallest power of two that keeps at most COMPACT_EVALUATIONS of the numbers 0..seq. */
function strideFor(seq: number): number {
  let stride = 1;
  while (Math.floor(seq / stride) + 1 > COMPACT_EVALUATIONS) stride *= 2;
  return stride;
}

/** An evaluation without its words: what a chart of each guardrail over time needs. */
export function compact(record: EvaluationRecord): EvaluationRecord {
  const { evaluation } = record;
  return {
    at: record.at,
    step: record.step,
    ...(record.seq !== undefined ? { seq: record.seq } : {}),
    ...(record.soakFraction !== undefined ? { soakFraction: record.soakFraction } : {}),
    ...(record.settledUntil !== undefined ? { settledUntil: record.settledUntil } : {}),
    compact: true,
    evaluation: {
      verdict: evaluation.verdict,
      reason: '',
      results: evaluation.results.map((r) => ({ ...r, reason: '', method: '' })),
    },
    alarms: record.alarms.filter((a) => a.state === 'ALARM'),
  };
}
