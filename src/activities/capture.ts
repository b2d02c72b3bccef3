// SageMaker's data capture as the rollout reads it: listing and reading capture files in S3 and taking the prediction
// out of each record. Where and how SageMaker writes them (SageMaker developer guide, "Capture data from real-time
// endpoint", model-monitor-data-capture-endpoint; [BC-SM] DataCaptureConfig, CaptureContentTypeHeader):
//  - `<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl`, the hour of the invocation (UTC); files are
//    named `<mm>-<ss>-<mmm>-<uuid>.jsonl` after their first record, so within a variant's prefix the keys sort by time;
//  - one JSON record per line: `captureData.endpointOutput` {observedContentType, mode, data, encoding} and
//    `eventMetadata` {eventId, inferenceId?, inferenceTime}. `encoding` is CSV or JSON for the content types the
//    config lists (the data as text) and BASE64 otherwise;
//  - inferenceId is InvokeEndpoint's InferenceId ([BC-RT]: "it is added to the captured data"), the id Model Monitor
//    joins ground truth on; without it the record's eventId.
// Not documented, and so chosen here: how long one file collects records (the emulator: a minute, as AWS's listings
// show): a reader that wants the records from time t on starts CAPTURE_FILE_SPAN_MS before t.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { aws, userError } from './aws-errors';
import { parseScores, REPLAY_INFERENCE_PREFIX, replayLabelOf } from './traffic';

export { REPLAY_INFERENCE_PREFIX };
/** A capture file holds the records of about a minute from its first; five leaves room for a slow flush. */
export const CAPTURE_FILE_SPAN_MS = 5 * 60_000;

export interface S3Location {
  bucket: string;
  /** The key prefix without a trailing slash ('' for the bucket's root). */
  prefix: string;
}

export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw userError(`${uri} is not an s3://bucket/prefix location`);
  return { bucket: m[1], prefix: m[2].replace(/\/+$/, '') };
}

export const joinKey = (...parts: string[]) => parts.filter((p) => p !== '').join('/');

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `yyyy/mm/dd/hh` of an instant (UTC), as SageMaker names capture and ground-truth partitions. */
export function hourPath(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
}

/** A key that sorts just before every capture file of `prefix` named at or after `ms` (a ListObjectsV2 StartAfter). */
export function captureKeyBefore(prefix: string, ms: number): string {
  const d = new Date(ms);
  return joinKey(
    prefix,
    hourPath(ms),
    `${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds(), 3)}`,
  );
}

/** The time a capture file's name gives (its first record), or null for a key that is not a capture file. */
export function captureFileTime(key: string): number | null {
  const m = /(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})-(\d{2})-(\d{3})-[^/]*\.jsonl$/.exec(key);
  if (!m) return null;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

export interface ListedObject {
  key: string;
  lastModified: number;
}

/**
 * Keys under `prefix` after `startAfter` in S3's order (UTF-8 binary, which for these paths is time order), up to and
 * excluding the first key at or after `stopAt` (or `limit` keys), following continuation tokens.
 */
export async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { startAfter?: string; stopAt?: string; limit?: number },
): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  const limit = options.limit ?? Infinity;
  let token: string | undefined;
  for (;;) {
    const page = await aws(`ListObjectsV2 s3://${bucket}/${prefix}`, () =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix === '' ? undefined : `${prefix}/`,
          ...(token ? { ContinuationToken: token } : options.startAfter ? { StartAfter: options.startAfter } : {}),
          MaxKeys: 1000,
        }),
      ),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key) continue;
      if (options.stopAt !== undefined && o.Key >= options.stopAt) return out;
      out.push({ key: o.Key, lastModified: o.LastModified ? o.LastModified.getTime() : 0 });
      if (out.length >= limit) return out;
    }
    if (!page.IsTruncated || !page.NextContinuationToken) return out;
    token = page.NextContinuationToken;
  }
}

export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await aws(`GetObject s3://${bucket}/${key}`, () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
  );
  return await out.Body!.transformToString('utf8');
}

/** One captured prediction, as the rollout uses it. */
export interface CapturedPrediction {
  /** The id Model Monitor joins ground truth on: inferenceId when the caller gave one, else eventId. */
  id: string;
  /** inferenceTime (whole seconds, UTC), epoch ms. */
  at: number;
  /** The score (P(label 1)); null when the output holds no single score. */
  score: number | null;
  /** One of the rollout's own replay requests (not live traffic). */
  replay: boolean;
  /** A one-row replay request's label, carried in its InferenceId (traffic.ts `replayInferenceId`). */
  replayLabel?: number;
}

interface CaptureRecord {
  captureData?: { endpointOutput?: { observedContentType?: string; data?: string; encoding?: string } };
  eventMetadata?: { eventId?: string; inferenceId?: string; inferenceTime?: string };
}

/** The text of a captured payload: CSV and JSON are as given, BASE64 is decoded. */
export function payloadText(data: string, encoding: string | undefined): string {
  return (encoding ?? '').toUpperCase() === 'BASE64' ? Buffer.from(data, 'base64').toString('utf8') : data;
}

/**
 * The single score of a model's answer: one CSV value (the XGBoost container's text/csv), or JSON: a number, a one-value
 * array, `{"score": x}`, or `{"predictions": [{"score": x}]}` (the XGBoost container's application/json). Null for
 * anything else, including answers with several rows (one InferenceId, one label: Model Monitor joins per request).
 */
export function scoreOfOutput(text: string, contentType: string | undefined): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const json = /json/i.test(contentType ?? '') || /^[[{]/.test(trimmed);
  if (json) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return null;
    }
    const one = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    if (Array.isArray(value)) return value.length === 1 ? (one(value[0]) ?? scoreOfObject(value[0])) : null;
    return one(value) ?? scoreOfObject(value);
  }
  const lines = trimmed.split(/\r?\n/);
  if (lines.length !== 1) return null;
  const scores = parseScores(trimmed, 1);
  return scores.length === 1 && Number.isFinite(scores[0]) ? scores[0] : null;
}

function scoreOfObject(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const o = value as { score?: unknown; predictions?: unknown };
  if (typeof o.score === 'number' && Number.isFinite(o.score)) return o.score;
  if (Array.isArray(o.predictions) && o.predictions.length === 1) return scoreOfObject(o.predictions[0]);
  return null;
}

/** The predictions of a capture file's text; lines that are not capture records are skipped (counted). */
export function parseCaptureFile(text: string): { predictions: CapturedPrediction[]; malformed: number } {
  const predictions: CapturedPrediction[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: CaptureRecord;
    try {
      record = JSON.parse(line) as CaptureRecord;
    } catch {
      malformed++;
      continue;
    }
    const meta = record.eventMetadata ?? {};
    const id = meta.inferenceId ?? meta.eventId;
    const at = meta.inferenceTime ? Date.parse(meta.inferenceTime) : NaN;
    if (!id || !Number.isFinite(at)) {
      malformed++;
      continue;
    }
    const output = record.captureData?.endpointOutput;
    const score =
      output?.data !== undefined
        ? scoreOfOutput(payloadText(output.data, output.encoding), output.observedContentType)
        : null;
    const replay = meta.inferenceId?.startsWith(REPLAY_INFERENCE_PREFIX) ?? false;
    const replayLabel = replay ? replayLabelOf(meta.inferenceId!) : undefined;
    predictions.push({ id, at, score, replay, ...(replayLabel !== undefined ? { replayLabel } : {}) });
  }
  return { predictions, malformed };
}
