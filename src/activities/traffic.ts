// Soak traffic: replays labelled rows through InvokeEndpoint at a steady rate for one evaluation interval and
// records, per request, the variant that answered, its score and the true label.
//
// Crash safety: progress (next row, elapsed time, results so far) rides on the heartbeat. A retry on another worker
// resumes from the last heartbeat, so rows answered before the crash are counted once and the interval keeps its
// length. Requests in flight at the crash are lost from the labelled results (never counted twice); CloudWatch still
// counts them, as it would count any client's traffic.
import { setMaxListeners } from 'node:events';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { activityInfo, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import { isRetryableAwsError, awsErrorName } from './aws-errors';
import type { AwsClients } from './clients';
import type { datasetLoader } from './dataset';

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
}

export interface VariantScores {
  /** InvokeEndpoint requests this variant answered (each may carry several rows). */
  requests: number;
  labels: number[];
  scores: number[];
}

export interface ReplayResult {
  nextRow: number;
  requests: number;
  failures: number;
  failuresByError: Record<string, number>;
  byVariant: Record<string, VariantScores>;
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
        failuresByError: {},
        byVariant: {},
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

      const progress = (): ReplayProgress => ({ elapsedMs: elapsedBefore + (Date.now() - started), result });
      const beat = setInterval(() => heartbeat(progress()), 1_000);

      const send = async (first: number) => {
        const rows = Array.from(
          { length: input.rowsPerRequest },
          (_, k) => dataset.rows[(first + k) % dataset.rows.length],
        );
        try {
          const out = await runtime.send(
            new InvokeEndpointCommand({
              EndpointName: input.endpointName,
              ContentType: 'text/csv',
              Accept: 'text/csv',
              Body: rows.map((r) => r.payload).join('\n'),
            }),
            { abortSignal: cancelled },
          );
          const variant = out.InvokedProductionVariant ?? 'unknown';
          const scores = parseScores(new TextDecoder().decode(out.Body), rows.length);
          const bucket = (result.byVariant[variant] ??= { requests: 0, labels: [], scores: [] });
          bucket.requests++;
          rows.forEach((row, k) => {
            if (Number.isFinite(scores[k])) {
              bucket.labels.push(row.label);
              bucket.scores.push(scores[k]);
            }
          });
          result.requests++;
        } catch (err) {
          if (cancelled.aborted) return;
          result.requests++;
          result.failures++;
          const name = awsErrorName(err) || 'Error';
          result.failuresByError[name] = (result.failuresByError[name] ?? 0) + 1;
          // A failing request is evidence for the guardrails (CloudWatch counts it), not a reason to stop the soak,
          // unless the endpoint is gone altogether.
          // (SageMaker Runtime says "Endpoint <name> of account <id> not found." as a ValidationError.)
          if (
            !isRetryableAwsError(err) &&
            /Could not find endpoint|Endpoint \S+ of account \S+ not found/i.test(String(err))
          ) {
            throw err;
          }
        }
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
      if (cancelled.aborted) throw new CancelledFailure('replay cancelled');
      heartbeat(progress());
      return result;
    },
  };
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
