// Live traffic with labels that come later, for the demo and the end-to-end tests: a client invokes the endpoint at a
// steady rate with rows of a labelled data set, each request carrying an InferenceId (as a production caller that
// wants Model Monitor to join its labels would), and a labeler uploads each request's true label in SageMaker Model
// Monitor's ground-truth format some time after the answer (SageMaker developer guide,
// model-monitor-model-quality-merge): JSON lines under `<prefix>/yyyy/mm/dd/hh/` of the hour the label is collected,
// `{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "<InferenceId>"}, "eventVersion":
// "0"}`. Some labels never come, some come late: what real feedback does.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

export interface LabelledPayload {
  label: number;
  /** The features as the CSV line InvokeEndpoint receives. */
  payload: string;
}

export interface ServedRequest {
  id: string;
  variant: string;
  label: number;
  score: number;
  sentAt: number;
  answeredAt: number;
  /** What became of its label: uploaded in time, uploaded late, never uploaded, or not yet. */
  labelFate: 'pending' | 'labelled' | 'late' | 'missing';
}

export interface LiveTrafficOptions {
  runtime: SageMakerRuntimeClient;
  s3: S3Client;
  endpointName: string;
  rows: readonly LabelledPayload[];
  ratePerSecond: number;
  /** Where labels go: the spec's traffic.groundTruth.s3Uri. */
  groundTruthUri: string;
  /** Labels are uploaded this long after the answer. */
  labelDelayMs: number;
  /** Share of labels that never come, and share that come after `lateDelayMs` instead. */
  missingShare?: number;
  lateShare?: number;
  lateDelayMs?: number;
  /** InferenceIds are `<idPrefix><n>`. */
  idPrefix?: string;
}

export interface LiveTraffic {
  /** Every request answered so far, in order of sending. */
  readonly served: ServedRequest[];
  /** Requests that failed (not labelled). */
  readonly failures: number;
  /** Stops sending, uploads the labels still due (late ones too) unless told not to, and waits for the uploads. */
  stop(options?: { flushLabels?: boolean }): Promise<void>;
}

const pad = (n: number) => String(n).padStart(2, '0');
const hourPath = (d: Date) =>
  `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;

/** A fixed fate per request number (a small linear congruential hash), so runs are repeatable. */
function fateOf(n: number, missing: number, late: number): 'labelled' | 'late' | 'missing' {
  const u = (((n * 2654435761) >>> 0) % 10_000) / 10_000;
  return u < missing ? 'missing' : u < missing + late ? 'late' : 'labelled';
}

export function startLiveTraffic(options: LiveTrafficOptions): LiveTraffic {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(options.groundTruthUri);
  if (!m) throw new Error(`groundTruthUri ${options.groundTruthUri} is not s3://bucket/prefix`);
  const [bucket, prefix] = [m[1], m[2].replace(/\/+$/, '')];
  const missing = options.missingShare ?? 0;
  const late = options.lateShare ?? 0;
  const lateDelayMs = options.lateDelayMs ?? 10 * options.labelDelayMs;
  const idPrefix = options.idPrefix ?? `${options.endpointName}-live-`;
  const served: ServedRequest[] = [];
  let failures = 0;
  let sent = 0;
  let uploads = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const gapMs = 1000 / options.ratePerSecond;

  const send = async (n: number) => {
    const row = options.rows[n % options.rows.length];
    const sentAt = Date.now();
    try {
      const out = await options.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: options.endpointName,
          ContentType: 'text/csv',
          Body: row.payload,
          InferenceId: `${idPrefix}${n}`,
        }),
      );
      served.push({
        id: `${idPrefix}${n}`,
        variant: out.InvokedProductionVariant ?? 'unknown',
        label: row.label,
        score: Number(new TextDecoder().decode(out.Body).split(',')[0]),
        sentAt,
        answeredAt: Date.now(),
        labelFate: 'pending',
      });
    } catch {
      failures++;
    }
  };

  const upload = async (due: ServedRequest[]) => {
    if (due.length === 0) return;
    const body = due
      .map((s) =>
        JSON.stringify({
          groundTruthData: { data: String(s.label), encoding: 'CSV' },
          eventMetadata: { eventId: s.id },
          eventVersion: '0',
        }),
      )
      .join('\n');
    const key = [prefix, hourPath(new Date()), `labels-${Date.now()}-${uploads++}.jsonl`].filter(Boolean).join('/');
    await options.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${body}\n` }));
  };

  /** Uploads every label due by now (all still pending ones with `all`). */
  const label = async (all = false) => {
    const now = Date.now();
    const due: ServedRequest[] = [];
    for (const s of served) {
      if (s.labelFate !== 'pending') continue;
      const n = Number(s.id.slice(idPrefix.length));
      const fate = fateOf(n, missing, late);
      if (fate === 'missing') {
        s.labelFate = 'missing';
        continue;
      }
      const dueAt = s.answeredAt + (fate === 'late' ? lateDelayMs : options.labelDelayMs);
      if (all || dueAt <= now) {
        s.labelFate = fate;
        due.push(s);
      }
    }
    await upload(due);
  };

  const sender = setInterval(() => {
    const due = Math.floor((Date.now() - started) / gapMs);
    while (!stopped && sent < due && inFlight.size < 64) {
      const p = send(sent++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 10);
  let labelling = Promise.resolve();
  const labeler = setInterval(() => {
    labelling = labelling.then(() => label()).catch(() => undefined);
  }, 250);

  return {
    served,
    get failures() {
      return failures;
    },
    async stop({ flushLabels = true } = {}) {
      stopped = true;
      clearInterval(sender);
      clearInterval(labeler);
      await Promise.all(inFlight);
      await labelling;
      if (flushLabels) await label(true);
    },
  };
}
