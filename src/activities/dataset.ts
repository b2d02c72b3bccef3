// Labelled replay data: CSV with the label in the first column (SageMaker XGBoost convention) or JSONL lines
// {"label": 1, "features": [...]}. Read from file:// or s3:// once per worker and kept, since every soak interval
// of every rollout replays from it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { aws, rethrowAws, userError } from './aws-errors';
import type { AwsClients } from './clients';

export interface LabelledRow {
  label: number;
  /** The features as the CSV line InvokeEndpoint receives (label stripped). */
  payload: string;
}

export interface Dataset {
  rows: LabelledRow[];
  features: number;
}

function parseDataset(text: string, format: 'csv' | 'jsonl', where: string): Dataset {
  const rows: LabelledRow[] = [];
  let features = -1;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let label: number;
    let values: string[];
    if (format === 'csv') {
      const cells = line.split(',');
      label = Number(cells[0]);
      values = cells.slice(1);
    } else {
      let obj: { label?: unknown; features?: unknown };
      try {
        obj = JSON.parse(line);
      } catch {
        throw userError(`${where} line ${i + 1} is not JSON: write one {"label": 0|1, "features": [...]} per line`);
      }
      label = Number(obj.label);
      if (!Array.isArray(obj.features)) throw userError(`${where} line ${i + 1} has no "features" array`);
      values = obj.features.map((v) => (v === null ? '' : String(v)));
    }
    if (!Number.isFinite(label) || cells0IsEmpty(line, format)) {
      throw userError(`${where} line ${i + 1}: the label (first column) is not a number; put the label first`);
    }
    if (features === -1) features = values.length;
    if (values.length !== features) {
      throw userError(
        `${where} line ${i + 1} has ${values.length} features, the first row has ${features}: fix the file`,
      );
    }
    rows.push({ label, payload: values.join(',') });
  }
  if (rows.length === 0) throw userError(`${where} holds no rows: give a labelled data set`);
  if (features < 1) throw userError(`${where} rows have a label but no features`);
  return { rows, features };
}

function cells0IsEmpty(line: string, format: 'csv' | 'jsonl'): boolean {
  return format === 'csv' && line.startsWith(',');
}

function datasetFormat(url: string, format?: 'csv' | 'jsonl'): 'csv' | 'jsonl' {
  return format ?? (/\.jsonl?(\.gz)?$/i.test(url) ? 'jsonl' : 'csv');
}

export function datasetLoader(clients: AwsClients) {
  const cache = new Map<string, Promise<Dataset>>();

  async function fetchText(url: string, region?: string): Promise<string> {
    if (url.startsWith('file://')) {
      try {
        return await readFile(fileURLToPath(url), 'utf8');
      } catch (err) {
        throw userError(`traffic.replay.dataUrl ${url} cannot be read (${(err as Error).message}): check the path`);
      }
    }
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
    if (!m) throw userError(`traffic.replay.dataUrl ${url} must be s3://bucket/key or file:///path`);
    const out = await aws(`GetObject ${url}`, () =>
      clients.s3(region).send(new GetObjectCommand({ Bucket: m[1], Key: m[2] })),
    ).catch((err) => {
      if (/NoSuchKey|NoSuchBucket|NotFound|AccessDenied/.test(String(err))) {
        throw userError(
          `traffic.replay.dataUrl ${url} cannot be read (${(err as Error).message}): check the bucket and key`,
        );
      }
      throw err;
    });
    return await out.Body!.transformToString('utf8');
  }

  return async function loadDataset(url: string, format?: 'csv' | 'jsonl', region?: string): Promise<Dataset> {
    const key = `${region ?? ''}|${url}|${format ?? ''}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = fetchText(url, region).then((text) => parseDataset(text, datasetFormat(url, format), url));
      cache.set(key, pending);
      pending.catch(() => cache.delete(key)); // a failed read may succeed later (e.g. a transient S3 error)
    }
    return pending;
  };
}

/**
 * Whether an s3:// object exists, read-only (HeadObject): "forbidden" when the worker may not look (S3 answers 403,
 * not 404, for a missing key when the caller cannot list the bucket, and model buckets are read by SageMaker's
 * execution role, not necessarily by the worker), "unknown" when the URL is not s3://.
 *
 * A HEAD response has no body ("a HEAD request has the same options as a GET … but the response doesn't include a
 * body", S3 API reference, HeadObject), so the SDK cannot decode an error code and reports "UnknownError" or the
 * bare status name: the HTTP status is the only reliable answer (aws-behaviour.md #26).
 */
export async function s3ObjectExists(
  clients: AwsClients,
  url: string,
  region?: string,
): Promise<'present' | 'missing' | 'forbidden' | 'unknown'> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) return 'unknown';
  try {
    await clients.s3(region).send(new HeadObjectCommand({ Bucket: m[1], Key: m[2] }));
    return 'present';
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return 'missing';
    if (status === 403) return 'forbidden';
    rethrowAws(err, `HeadObject ${url}`);
  }
}
