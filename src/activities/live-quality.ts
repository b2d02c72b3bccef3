// Live traffic's evidence, read from S3 at each evaluation: what SageMaker captured of each variant's live predictions,
// and the labels that came for them later. It returns sufficient statistics and cursors, never rows:
//
// 1. New captures (the label-free guard and the routed split). Per variant, the capture files after the variant's
//    cursor (the last key read) are read once each; each live prediction (not the rollout's own replay, made after the
//    candidate went live, with a score) is counted into the stable-weight period it falls in: how many, and how many at
//    or below each threshold of the score-shift grid (src/analysis/score-shift.ts). The cursor moves to the last key
//    read; at most `maxFiles` files a call, the rest next time.
// 2. Label-complete cohorts. For each slice [a, b) of prediction time whose label window has closed (the workflow only
//    asks for slices with b + maxLabelDelay + 1 s ≤ now), the capture files that can hold its predictions are read
//    again (those named from CAPTURE_FILE_SPAN_MS before a to b), the labels that arrived within each prediction's
//    window are joined by id (ground-truth.ts), and each variant's slice becomes a LabelledSummary at the threshold,
//    with the predictions that got no label in time counted as unlabelled (and late labels as late): a label that comes
//    after the window never changes what the guardrails saw, so a cohort, once folded, is final — the cohort metrics of
//    Spotify's "peeking problem 2.0" (S. Ankargren, M. Frånberg & M. Schultzberg, "Bringing sequential testing to
//    experiments with longitudinal data (part 1): the peeking problem 2.0", Spotify Engineering, July 2023): measuring a
//    unit before its outcome window closed biases a sequential test; a fixed window per unit does not.
//
// Cost: each capture file is read twice (once when it lands, once when its slice closes; a file that straddles two
// slices once more: files written before a slice began are listed, not read), each label object once per slice whose
// reading window [a, b + 1 s + maxLabelDelay + slice] holds its arrival, about (maxLabelDelay + 2·slice) / slice + 1
// times (seven with the workflow's slice of a quarter of maxLabelDelay), listings aside. Memory: one slice's
// predictions (an id and a score each), released after the slice. Nothing waits in the workflow: a 7-day rollout
// carries a timestamp, a key per variant and a few hundred numbers, however many millions of predictions it judges.
import { heartbeat } from '@temporalio/activity';
import { LabelledSummaryBuilder } from '../analysis/labelled-summary';
import type { LabelledSummary } from '../analysis/types';
import { countScore, emptyScoreCounts, type ScoreCounts } from '../analysis/score-shift';
import {
  CAPTURE_FILE_SPAN_MS,
  captureFileTime,
  captureKeyBefore,
  joinKey,
  listKeys,
  parseCaptureFile,
  parseS3Uri,
  readText,
  type CapturedPrediction,
} from './capture';
import type { AwsClients } from './clients';
import { readLabels } from './ground-truth';

/** A span of prediction time in which the routing weights stayed as set (epoch ms; `to` absent: still going). */
export interface WeightPeriod {
  from: number;
  to?: number;
  candidateWeight: number;
}

export interface LiveQualityInput {
  endpointName: string;
  region?: string;
  /** DataCaptureConfig.DestinationS3Uri of the A/B config. */
  captureUri: string;
  baselineName: string;
  candidateName: string;
  /** When the candidate first got traffic: earlier predictions are not compared. */
  liveFrom: number;
  /** The rollout's stable-weight periods, oldest first. */
  periods: WeightPeriod[];
  /** Per variant, the last capture key read (absent: start at liveFrom). */
  cursors: Record<string, string>;
  /** Most capture files read per variant and call for new captures. */
  maxFiles?: number;
  /** Label-complete cohorts to fold: the slices from `from` to `to` (to − from a multiple of sliceMs). */
  cohorts?: {
    groundTruthUri: string;
    from: number;
    to: number;
    sliceMs: number;
    maxLabelDelayMs: number;
    threshold: number;
  };
}

export interface CohortVariant {
  /** Predictions of the cohort with a score. */
  predictions: number;
  /** Their labelled rows (label arrived within the window) at the threshold. */
  labelled: LabelledSummary;
  /** Predictions whose label did not arrive within the window: inconclusive, never counted as anything. */
  unlabelled: number;
  /** Of those, the ones whose label arrived after the window, up to one slice after the slice's last window closed. */
  late: number;
}

export interface LiveQualityOutput {
  cursors: Record<string, string>;
  /** Whether capture files remain after the cursors (the next call reads on). */
  more: boolean;
  /** New live predictions per period index of the input (only periods that got any), per variant. */
  periods: { index: number; baseline: ScoreCounts; candidate: ScoreCounts }[];
  /** New live predictions with a score per variant, whatever their period (made after liveFrom). */
  captured: Record<string, number>;
  /** New capture records left out: the rollout's replay, no single score, outside a stable-weight period, unreadable. */
  skipped: { replay: number; noScore: number; shifting: number; malformed: number };
  /** The cohorts folded: predictions made in [from, closedThrough). */
  cohorts?: {
    closedThrough: number;
    byVariant: Record<string, CohortVariant>;
    labelObjects: number;
    captureFiles: number;
  };
}

/** At most this many slices a call; the workflow asks again at the next evaluation. */
export const MAX_SLICES_PER_CALL = 4;
const MAX_FILES = 500;

export function liveQualityActivities(clients: AwsClients) {
  return {
    async readLiveQuality(input: LiveQualityInput): Promise<LiveQualityOutput> {
      const s3 = clients.s3(input.region);
      const { bucket, prefix } = parseS3Uri(input.captureUri);
      const variants = [input.baselineName, input.candidateName];
      const prefixOf = (variant: string) => joinKey(prefix, input.endpointName, variant);
      const out: LiveQualityOutput = {
        cursors: { ...input.cursors },
        more: false,
        periods: [],
        captured: {},
        skipped: { replay: 0, noScore: 0, shifting: 0, malformed: 0 },
      };

      // 1. New captures, per variant from its cursor.
      const byPeriod = new Map<number, { baseline: ScoreCounts; candidate: ScoreCounts }>();
      for (const variant of variants) {
        out.captured[variant] = 0;
        const limit = input.maxFiles ?? MAX_FILES;
        const keys = await listKeys(s3, bucket, prefixOf(variant), {
          startAfter:
            input.cursors[variant] ?? captureKeyBefore(prefixOf(variant), input.liveFrom - CAPTURE_FILE_SPAN_MS),
          limit: limit + 1,
        });
        if (keys.length > limit) out.more = true;
        for (const { key, lastModified } of keys.slice(0, limit)) {
          out.cursors[variant] = key;
          // Written (whole seconds on S3) before the candidate went live: none of its records count.
          if (lastModified + 1_000 < input.liveFrom) continue;
          const { predictions, malformed } = parseCaptureFile(await readText(s3, bucket, key));
          out.skipped.malformed += malformed;
          for (const p of predictions) {
            if (p.at < input.liveFrom) continue;
            if (p.replay) {
              out.skipped.replay++;
              continue;
            }
            if (p.score === null) {
              out.skipped.noScore++;
              continue;
            }
            out.captured[variant]++;
            const index = periodOf(input.periods, p.at);
            if (index < 0) {
              out.skipped.shifting++;
              continue;
            }
            let counts = byPeriod.get(index);
            if (!counts)
              byPeriod.set(index, (counts = { baseline: emptyScoreCounts(), candidate: emptyScoreCounts() }));
            countScore(variant === input.candidateName ? counts.candidate : counts.baseline, p.score);
          }
          heartbeat();
        }
      }
      out.periods = [...byPeriod.entries()].sort(([a], [b]) => a - b).map(([index, c]) => ({ index, ...c }));

      // 2. Label-complete cohorts, one slice at a time.
      const c = input.cohorts;
      if (c) {
        const byVariant: Record<string, CohortVariant> = {};
        const builders = new Map<string, LabelledSummaryBuilder>();
        for (const v of variants) {
          builders.set(v, new LabelledSummaryBuilder(c.threshold));
          byVariant[v] = { predictions: 0, labelled: builders.get(v)!.summary(), unlabelled: 0, late: 0 };
        }
        let labelObjects = 0;
        let captureFiles = 0;
        let closedThrough = c.from;
        const end = Math.min(c.to, c.from + MAX_SLICES_PER_CALL * c.sliceMs);
        for (let a = c.from; a < end; a += c.sliceMs) {
          const b = Math.min(a + c.sliceMs, end);
          // The slice's live predictions of both variants, by id.
          const slice = new Map<string, { variant: string; prediction: CapturedPrediction }>();
          for (const variant of variants) {
            const keys = await listKeys(s3, bucket, prefixOf(variant), {
              startAfter: captureKeyBefore(prefixOf(variant), a - CAPTURE_FILE_SPAN_MS),
              // inferenceTime is whole seconds: a record of the second before b may be in a file named up to b's
              // second's end.
              stopAt: captureKeyBefore(prefixOf(variant), Math.ceil(b / 1000) * 1000),
            });
            for (const { key, lastModified } of keys) {
              // A file is written after its last record: one written (LastModified, whole seconds on S3) before the
              // slice began holds none of its predictions, and need not be read.
              if (captureFileTime(key) === null || lastModified + 1_000 < a) continue;
              captureFiles++;
              for (const p of parseCaptureFile(await readText(s3, bucket, key)).predictions) {
                if (p.at < a || p.at >= b || p.at < input.liveFrom || p.replay || p.score === null) continue;
                slice.set(p.id, { variant, prediction: p });
              }
              heartbeat();
            }
          }
          // Labels that arrived from the slice's start to one slice after its last window closed (later ones are
          // not in time for any of its predictions, and are only looked at to count some as late).
          const until = b + 1_000 + c.maxLabelDelayMs;
          const read = await readLabels(s3, c.groundTruthUri, a, until + c.sliceMs, new Set(slice.keys()), () => {
            labelObjects++;
            heartbeat();
          });
          for (const [id, { variant, prediction }] of slice) {
            const v = byVariant[variant];
            v.predictions++;
            const label = read.labels.get(id);
            // The window of a prediction made within the second inferenceTime names closes maxLabelDelay after the
            // end of that second at the latest: a label in by then counts.
            if (label && label.arrivedAt <= prediction.at + 1_000 + c.maxLabelDelayMs) {
              builders.get(variant)!.add(label.label, prediction.score!);
            } else {
              v.unlabelled++;
              if (label) v.late++;
            }
          }
          closedThrough = b;
        }
        for (const v of variants) byVariant[v].labelled = builders.get(v)!.summary();
        out.cohorts = { closedThrough, byVariant, labelObjects, captureFiles };
      }
      return out;
    },
  };
}

/** Index of the stable-weight period holding a prediction made within the second starting at `at`, or −1. */
export function periodOf(periods: readonly WeightPeriod[], at: number): number {
  for (let i = periods.length - 1; i >= 0; i--) {
    const p = periods[i];
    if (at >= p.from && (p.to === undefined || at + 1_000 <= p.to)) return i;
  }
  return -1;
}
