// The rollout's evaluations, bounded however long it soaks: full records of the latest evaluations, compact ones
// (each guardrail's verdict, difference and interval, for the report's charts) of older ones, thinned evenly over
// time when there are too many. A 7-day soak evaluated every 30 s makes 20,160 evaluations; the log keeps 250.
import type { EvaluationRecord } from './shared';

/** Latest evaluations kept whole (status, watch and the report's tables read these). */
export const FULL_EVALUATIONS = 50;
/** Older evaluations kept compact; past this, every other one is dropped (so they stay spread over the rollout). */
export const COMPACT_EVALUATIONS = 200;

export function appendEvaluation(log: EvaluationRecord[], record: EvaluationRecord): void {
  log.push(record);
  const firstFull = log.findIndex((e) => !e.compact);
  if (log.length - firstFull > FULL_EVALUATIONS) log[firstFull] = compact(log[firstFull]);
  const compacted = firstFull + 1;
  if (compacted > COMPACT_EVALUATIONS) {
    // Keep the 1st, 3rd, 5th, … compact record: the survivors stay evenly spread, and the oldest stays.
    const kept = log.slice(0, compacted).filter((_, i) => i % 2 === 0);
    log.splice(0, compacted, ...kept);
  }
}

/** An evaluation without its words: what a chart of each guardrail over time needs. */
export function compact(record: EvaluationRecord): EvaluationRecord {
  const { evaluation } = record;
  return {
    at: record.at,
    step: record.step,
    ...(record.soakFraction !== undefined ? { soakFraction: record.soakFraction } : {}),
    compact: true,
    evaluation: {
      verdict: evaluation.verdict,
      reason: '',
      results: evaluation.results.map((r) => ({ ...r, reason: '', method: '' })),
    },
    alarms: record.alarms.filter((a) => a.state === 'ALARM'),
  };
}
