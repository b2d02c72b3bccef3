// A shadow step's paired evidence, read from data capture: SageMaker captures the production variant's answer and the
// shadow's answer to the mirrored copy each under its own variant folder, both with the caller's InferenceId (the
// developer guide's shadow tests: "turn on Data Capture to log requests and responses of your production and shadow
// variants"; AWS's shadow test example, aws/amazon-sagemaker-examples sm-shadow_variant_shadow_api, joins the two by
// inferenceId). Pairing them by that id gives both models' scores for the same input, request by request: a paired
// comparison, like paired probes, on production traffic. The eventId differs between the two captures (each capture
// is its own event; not documented either way), so a request without an InferenceId cannot be paired: callers should
// send one, as they must for ground truth.
//
// The workflow asks for slices of inference time once their captures have surely been delivered (the settle delay
// covers capture's delivery, "can require a couple of minutes" per the developer guide's data capture page), and each
// slice is read once:
//  - `pairs`: every pair folds into agreement counts and the paired score-shift counts; a pair from a one-row replay
//    request also into a PairedSummary with the label its InferenceId carries (traffic.ts `replayInferenceId`).
//  - `cohorts` (traffic.groundTruth): slices whose label window has closed are read again, and the live (non-replay)
//    pairs joined with their labels (ground-truth.ts) into a PairedSummary, as live-quality.ts does for routed traffic:
//    a label after the window never changes what was judged.
// A pair belongs to the slice of the production variant's record; the copy is answered after its original, so the
// shadow's records are looked up to COPY_SKEW_MS later. Memory: one slice's predictions; the result is counts.
import { heartbeat } from '@temporalio/activity';
import type { S3Client } from '@aws-sdk/client-s3';
import { countPair, emptyAgreement, type AgreementStatistics } from '../analysis/agreement';
import { PairedSummaryBuilder, type PairedSummary } from '../analysis/paired';
import { countScorePair, emptyPairedScoreCounts, type PairedScoreCounts } from '../analysis/score-shift';
import {
  CAPTURE_FILE_SPAN_MS,
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

/** How much later than its original a copy's inferenceTime may be (the shadow answers after the production variant). */
export const COPY_SKEW_MS = 2_000;
/** At most this much inference time is paired per call; the workflow asks again at the next evaluation. */
export const MAX_PAIRS_SPAN_MS = 10 * 60_000;
const MAX_COHORT_SLICES = 4;

export interface ShadowPairsInput {
  endpointName: string;
  region?: string;
  /** DataCaptureConfig.DestinationS3Uri of the shadow config. */
  captureUri: string;
  baselineName: string;
  candidateName: string;
  threshold: number;
  /** Requests made before this (the shadow's start, epoch ms) are not compared. */
  liveFrom: number;
  /** Pair the requests made in [from, to) (whole seconds). */
  pairs?: { from: number; to: number };
  /** Label-complete cohorts of live pairs: [from, to) in slices of sliceMs, labels within maxLabelDelayMs. */
  cohorts?: { groundTruthUri: string; from: number; to: number; sliceMs: number; maxLabelDelayMs: number };
}

export interface ShadowPairsOutput {
  pairs?: {
    /** Requests made before this were paired (the next call starts here). */
    through: number;
    agreement: AgreementStatistics;
    scores: PairedScoreCounts;
    /** Pairs of one-row replay requests, with the label their InferenceId carries. */
    replayLabelled: PairedSummary;
    /** The production variant's scored answers without a captured copy (not mirrored, sampled out, or failed). */
    baselineOnly: number;
  };
  cohorts?: { through: number; labelled: PairedSummary; unlabelled: number; late: number };
}

interface SliceRecord {
  baseline: CapturedPrediction;
  candidate?: CapturedPrediction;
}

export function shadowPairsActivities(clients: AwsClients) {
  return {
    async readShadowPairs(input: ShadowPairsInput): Promise<ShadowPairsOutput> {
      const s3 = clients.s3(input.region);
      const out: ShadowPairsOutput = {};
      const p = input.pairs;
      if (p && p.to > p.from) {
        const to = Math.min(p.to, p.from + MAX_PAIRS_SPAN_MS);
        const agreement = emptyAgreement();
        const scores = emptyPairedScoreCounts();
        const replay = new PairedSummaryBuilder(input.threshold);
        let baselineOnly = 0;
        for (const { baseline, candidate } of (await readSlice(s3, input, p.from, to)).values()) {
          if (!candidate) {
            baselineOnly++;
            continue;
          }
          const [b, c] = [baseline.score!, candidate.score!];
          countPair(agreement, b, c, input.threshold);
          countScorePair(scores, b, c);
          if (baseline.replayLabel !== undefined) replay.add(baseline.replayLabel, b, c);
        }
        out.pairs = { through: to, agreement, scores, replayLabelled: replay.close().summary(), baselineOnly };
      }
      const c = input.cohorts;
      if (c && c.to > c.from) {
        const labelled = new PairedSummaryBuilder(input.threshold);
        let unlabelled = 0;
        let late = 0;
        let through = c.from;
        const end = Math.min(c.to, c.from + MAX_COHORT_SLICES * c.sliceMs);
        for (let a = c.from; a < end; a += c.sliceMs) {
          const b = Math.min(a + c.sliceMs, end);
          const live = [...(await readSlice(s3, input, a, b)).values()].filter(
            (r) => r.candidate && !r.baseline.replay,
          );
          // Labels that arrived from the slice's start to one slice after its last window closed (later ones are
          // only looked at to count some as late), as live-quality.ts reads them.
          const until = b + 1_000 + c.maxLabelDelayMs;
          const ids = new Set(live.map((r) => r.baseline.id));
          const read = await readLabels(s3, c.groundTruthUri, a, until + c.sliceMs, ids, () => heartbeat());
          for (const r of live) {
            const label = read.labels.get(r.baseline.id);
            // A prediction stamped with whole seconds: its window closes maxLabelDelay after that second's end.
            if (label && label.arrivedAt <= r.baseline.at + 1_000 + c.maxLabelDelayMs) {
              labelled.add(label.label, r.baseline.score!, r.candidate!.score!);
            } else {
              unlabelled++;
              if (label) late++;
            }
          }
          through = b;
        }
        out.cohorts = { through, labelled: labelled.close().summary(), unlabelled, late };
      }
      return out;
    },
  };
}

/** The production variant's scored answers to requests made in [a, b), each with its copy's answer if captured. */
async function readSlice(
  s3: S3Client,
  input: ShadowPairsInput,
  a: number,
  b: number,
): Promise<Map<string, SliceRecord>> {
  const from = Math.max(a, input.liveFrom);
  const records = new Map<string, SliceRecord>();
  const baseline = await predictionsOf(s3, input, input.baselineName, from, b);
  for (const prediction of baseline) records.set(prediction.id, { baseline: prediction });
  for (const copy of await predictionsOf(s3, input, input.candidateName, from, b + COPY_SKEW_MS)) {
    const r = records.get(copy.id);
    if (r) r.candidate = copy;
  }
  return records;
}

/** A variant's captured predictions with a score, made in [a, b). */
async function predictionsOf(
  s3: S3Client,
  input: ShadowPairsInput,
  variant: string,
  a: number,
  b: number,
): Promise<CapturedPrediction[]> {
  const { bucket, prefix } = parseS3Uri(input.captureUri);
  const at = joinKey(prefix, input.endpointName, variant);
  const keys = await listKeys(s3, bucket, at, {
    startAfter: captureKeyBefore(at, a - CAPTURE_FILE_SPAN_MS),
    // inferenceTime is whole seconds: a record of the second before b may be in a file named up to that second's end.
    stopAt: captureKeyBefore(at, Math.ceil(b / 1000) * 1000),
  });
  const out: CapturedPrediction[] = [];
  for (const { key, lastModified } of keys) {
    // A file is written after its last record: one written (whole seconds on S3) before a holds none of [a, b).
    if (lastModified + 1_000 < a) continue;
    for (const prediction of parseCaptureFile(await readText(s3, bucket, key)).predictions) {
      if (prediction.at >= a && prediction.at < b && prediction.score !== null) out.push(prediction);
    }
    heartbeat();
  }
  return out;
}
