// Soak traffic: replays labelled rows through InvokeEndpoint at a steady rate for one evaluation interval and
// returns, per variant that answered, the requests it answered (failed ones among them) and a LabelledSummary of its
// scored rows at the spec's threshold (src/analysis/labelled-summary.ts): exact confusion counts and binned score
// histograms, so the result, the heartbeats and the workflow's state stay the same small size whatever the rate and
// the interval (a few tens of KB at most per variant).
//
// Failed requests count for the variant that answered when the error response names it (the
// x-Amzn-Invoked-Production-Variant header, which the emulator sends on a model error); otherwise they are
// unattributed. The InvokeEndpoint API reference documents that header only on success (InvokedProductionVariant in
// the output; ModelError, HTTP 424, has no variant member: botocore's sagemaker-runtime service model), so against AWS
// they may all be unattributed (aws-behaviour.md #20). Attributed failures count among the variant's requests, so the
// sample-ratio check is not skewed by the side that errs more.
//
// Paired probes (`paired`): each request's rows go to BOTH variants at once, each request naming its variant
// (InvokeEndpoint's TargetVariant, which reaches a variant whatever its weight), and the rows both answered become a
// PairedSummary (src/analysis/paired.ts) with both round trips; each variant's own answers still make its labelled
// summary, for people. Paired requests are not routed by the weights, so they are no evidence of the split.
//
// Every replay request carries an InferenceId starting with REPLAY_INFERENCE_PREFIX, so that where data capture is on,
// the readers of live traffic (capture.ts) can leave the rollout's own requests out.
//
// Crash safety: progress (next row, elapsed time, results so far) rides on the heartbeat. A retry on another worker
// resumes from the last heartbeat, so rows answered before the crash are counted once and the interval keeps its
// length. Requests in flight at the crash are lost from the labelled results (never counted twice); CloudWatch still
// counts them, as it would count any client's traffic.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { activityInfo, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import { LabelledSummaryBuilder } from '../analysis/labelled-summary';
import type { LabelledSummary } from '../analysis/types';
import { PairedSummaryBuilder, type PairedSummary } from '../analysis/paired';
import { isRetryableAwsError, awsErrorName } from './aws-errors';
import type { AwsClients } from './clients';
import type { datasetLoader, LabelledRow } from './dataset';

export interface ReplayInput {
  endpointName: string;
  region?: string;
  dataUrl: string;
  format?: 'csv' | 'jsonl';
  ratePerSecond: number;
  rowsPerRequest: number;
  /** Where this interval starts in the data set (it wraps around). */
  startRow: number;
  durationMs: number;
  /** Scores at or above this count as predicted positive in the labelled summaries (traffic.replay.threshold). */
  threshold: number;
  /**
   * Paired probes: every request goes to both of these variants (TargetVariant). `latencyBatchMs` (guardrail design 2:
   * the spec's metric period): each pair's round trips are stamped with when they were sent and batched by periods of
   * that length; absent, by replay interval.
   */
  paired?: { baseline: string; candidate: string; latencyBatchMs?: number };
}

/** InferenceId prefix of the rollout's own replay requests: their captures are not live traffic. */
export const REPLAY_INFERENCE_PREFIX = 'model-rollout-replay-';

/**
 * The InferenceId of a replay request: the prefix and a UUID, and for a one-row request with a 0/1 label that label
 * (`-y1`), so that a shadow step can judge quality on the candidate's captured answer to the mirrored copy, which no
 * reply to the rollout carries (at most 21 + 36 + 3 = 60 characters, inside [BC-RT] InferenceId's 64).
 */
export function replayInferenceId(uuid: string, labels: readonly number[]): string {
  const label = labels.length === 1 && (labels[0] === 0 || labels[0] === 1) ? `-y${labels[0]}` : '';
  return `${REPLAY_INFERENCE_PREFIX}${uuid}${label}`;
}

/** The label a replay request's InferenceId carries, if any. */
export function replayLabelOf(inferenceId: string): number | undefined {
  const m = /-y([01])$/.exec(inferenceId);
  return inferenceId.startsWith(REPLAY_INFERENCE_PREFIX) && m ? Number(m[1]) : undefined;
}

export interface VariantReplay {
  /** InvokeEndpoint requests this variant answered (each may carry several rows), failed ones included. */
  requests: number;
  /** Of those, the ones that failed (a model error whose response named this variant). */
  failures: number;
  /** Its labelled rows that got a finite score, summarised at the input's threshold. */
  labelled: LabelledSummary;
}

export interface ReplayResult {
  nextRow: number;
  requests: number;
  failures: number;
  /** Failed requests whose response did not say which variant answered. */
  unattributedFailures: number;
  failuresByError: Record<string, number>;
  byVariant: Record<string, VariantReplay>;
  /** Paired probes: the rows both variants answered (absent without `paired`). */
  paired?: PairedSummary;
}

interface ReplayProgress {
  elapsedMs: number;
  result: ReplayResult;
}

const MAX_IN_FLIGHT = 64;

/**
 * Scores from an XGBoost container's text/csv answer for `rowCount` rows: one line per row whose first value is
 * P(label 1), or (older containers) all scores on one comma-separated line.
 */
export function parseScores(body: string, rowCount: number): number[] {
  const lines = body
    .trim()
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (lines.length === 1 && rowCount > 1) return lines[0].split(',').map(Number);
  return lines.map((l) => Number(l.split(',')[0]));
}

export function trafficActivities(clients: AwsClients, loadDataset: ReturnType<typeof datasetLoader>) {
  return {
    async replayTraffic(input: ReplayInput): Promise<ReplayResult> {
      const dataset = await loadDataset(input.dataUrl, input.format, input.region);
      const resumed = (activityInfo().heartbeatDetails as ReplayProgress | undefined) ?? undefined;
      const result: ReplayResult = resumed?.result ?? {
        nextRow: input.startRow,
        requests: 0,
        failures: 0,
        unattributedFailures: 0,
        failuresByError: {},
        byVariant: {},
      };
      // Rows are added to dense per-variant builders as answers arrive; the sparse summaries are written into the
      // result for each heartbeat and at the end (a resumed attempt starts from the heartbeat's summaries).
      const builders = new Map<string, LabelledSummaryBuilder>();
      const builderOf = (variant: string) => {
        let b = builders.get(variant);
        if (!b) {
          b = new LabelledSummaryBuilder(input.threshold);
          const earlier = result.byVariant[variant];
          if (earlier) b.addSummary(earlier.labelled);
          builders.set(variant, b);
        }
        return b;
      };
      const variantOf = (variant: string) =>
        (result.byVariant[variant] ??= { requests: 0, failures: 0, labelled: builderOf(variant).summary() });
      const pairedBuilder = input.paired
        ? new PairedSummaryBuilder(input.threshold, result.paired, undefined, input.paired.latencyBatchMs)
        : null;
      const snapshot = () => {
        for (const [variant, b] of builders) variantOf(variant).labelled = b.summary();
        if (pairedBuilder) result.paired = pairedBuilder.summary();
      };
      const remainingMs = Math.max(0, input.durationMs - (resumed?.elapsedMs ?? 0));
      const elapsedBefore = resumed?.elapsedMs ?? 0;
      const started = Date.now();
      const gapMs = (1000 * input.rowsPerRequest) / input.ratePerSecond;
      const runtime = clients.runtime(input.region);
      const cancelled = Context.current().cancellationSignal;
      // Every request in flight listens for the cancellation: up to MAX_IN_FLIGHT listeners is expected, not a leak.
      setMaxListeners(MAX_IN_FLIGHT + 8, cancelled);
      let inFlight = 0;
      const pending = new Set<Promise<void>>();

      const progress = (): ReplayProgress => {
        snapshot();
        return { elapsedMs: elapsedBefore + (Date.now() - started), result };
      };
      const beat = setInterval(() => heartbeat(progress()), 1_000);

      /** A failed request: counted for the variant its response names (or the one it targeted), or unattributed. */
      const failed = (err: unknown, target?: string) => {
        if (cancelled.aborted) return;
        result.requests++;
        result.failures++;
        const name = awsErrorName(err) || 'Error';
        result.failuresByError[name] = (result.failuresByError[name] ?? 0) + 1;
        const variant = answeringVariant(err) ?? target ?? null;
        if (variant) {
          const v = variantOf(variant);
          v.requests++;
          v.failures++;
        } else result.unattributedFailures++;
        // A failing request is evidence for the guardrails (CloudWatch counts it), not a reason to stop the soak,
        // unless the endpoint is gone altogether.
        // (SageMaker Runtime says "Endpoint <name> of account <id> not found." as a ValidationError.)
        if (
          !isRetryableAwsError(err) &&
          /Could not find endpoint|Endpoint \S+ of account \S+ not found/i.test(String(err))
        ) {
          throw err;
        }
      };

      /** One request of these rows (to `target`, or routed by the weights); its scores, or null when it failed. */
      const invoke = async (rows: LabelledRow[], target?: string): Promise<{ scores: number[]; ms: number } | null> => {
        const sentAt = performance.now();
        try {
          const out = await runtime.send(
            new InvokeEndpointCommand({
              EndpointName: input.endpointName,
              ContentType: 'text/csv',
              Accept: 'text/csv',
              Body: rows.map((r) => r.payload).join('\n'),
              InferenceId: replayInferenceId(
                randomUUID(),
                rows.map((r) => r.label),
              ),
              ...(target ? { TargetVariant: target } : {}),
            }),
            { abortSignal: cancelled },
          );
          const ms = performance.now() - sentAt;
          const variant = out.InvokedProductionVariant ?? target ?? 'unknown';
          const scores = parseScores(new TextDecoder().decode(out.Body), rows.length);
          variantOf(variant).requests++;
          const builder = builderOf(variant);
          rows.forEach((row, k) => builder.add(row.label, scores[k]));
          result.requests++;
          return { scores, ms };
        } catch (err) {
          failed(err, target);
          return null;
        }
      };

      const send = async (first: number) => {
        const rows = Array.from(
          { length: input.rowsPerRequest },
          (_, k) => dataset.rows[(first + k) % dataset.rows.length],
        );
        if (!input.paired || !pairedBuilder) {
          await invoke(rows);
          return;
        }
        const sentAt = Date.now();
        const [b, c] = await Promise.all([invoke(rows, input.paired.baseline), invoke(rows, input.paired.candidate)]);
        if (!b || !c) return;
        // The two round trips belong to the request, so to its first row only: one latency pair per request pair. The
        // minute it was sent in is its latency batch (paired.ts: pairs of one minute share each instance's hiccups).
        rows.forEach((row, k) =>
          pairedBuilder.add(
            row.label,
            b.scores[k],
            c.scores[k],
            k === 0
              ? { baseline: b.ms, candidate: c.ms, ...(input.paired?.latencyBatchMs ? { at: sentAt } : {}) }
              : undefined,
          ),
        );
      };

      try {
        let k = 0;
        while (!cancelled.aborted) {
          const due = k * gapMs;
          if (due >= remainingMs) break;
          const wait = due - (Date.now() - started);
          if (wait > 0) await abortableSleep(wait, cancelled);
          if (cancelled.aborted) break;
          if (inFlight >= MAX_IN_FLIGHT) {
            await Promise.race(pending);
            continue;
          }
          const first = result.nextRow;
          result.nextRow = (result.nextRow + input.rowsPerRequest) % dataset.rows.length;
          inFlight++;
          const p = send(first).finally(() => {
            inFlight--;
            pending.delete(p);
          });
          pending.add(p);
          k++;
        }
        await Promise.all(pending);
      } finally {
        clearInterval(beat);
      }
      // The interval's last AUC batch is folded now; a batch cut short by a crash is lost, never counted twice.
      pairedBuilder?.close();
      if (cancelled.aborted) throw new CancelledFailure('replay cancelled');
      heartbeat(progress());
      return result;
    },
  };
}

/**
 * The variant named by a failed InvokeEndpoint's response, if any: the SDK keeps the raw HTTP response of an error
 * on its non-enumerable `$response` (@smithy/core), whose headers node's HTTP handler gives in lower case.
 */
export function answeringVariant(err: unknown): string | null {
  const response = (err as { $response?: { headers?: Record<string, string | undefined> } } | null)?.$response;
  const variant = response?.headers?.['x-amzn-invoked-production-variant'];
  return typeof variant === 'string' && variant !== '' ? variant : null;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
