// Ground truth of live predictions, in SageMaker Model Monitor's format (SageMaker developer guide, "Ingest Ground
// Truth labels and merge them with predictions", model-monitor-model-quality-merge): JSON Lines under
// `<S3Uri>/yyyy/mm/dd/hh/`, "the date when the Ground Truth label is collected, [which] does not have to match the date
// when the inference was generated", one record per line:
//     {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "…"}, "eventVersion": "0"}
// where eventId is the captured record's inferenceId when the caller gave one, else its eventId.
// Chosen here, as the guide does not say: a label's arrival is its object's LastModified (when it became readable); a
// label arrives after its prediction, so objects that arrived before a prediction's second, or are filed under an
// earlier hour, are not looked at for it; of several labels for one id the earliest to arrive counts; `data` is read as
// CSV (its first value), JSON (a number or a string) or BASE64 of either.
import type { S3Client } from '@aws-sdk/client-s3';
import { hourPath, joinKey, listKeys, parseS3Uri, payloadText, readText } from './capture';

export interface GroundTruthLabel {
  label: number;
  /** When the label's object became readable (LastModified), epoch ms. */
  arrivedAt: number;
}

interface GroundTruthRecord {
  groundTruthData?: { data?: unknown; encoding?: string };
  eventMetadata?: { eventId?: unknown };
}

/** The label of one record's groundTruthData, or NaN. */
export function labelOf(data: unknown, encoding: string | undefined): number {
  if (typeof data === 'number') return data;
  if (typeof data !== 'string') return NaN;
  const text = payloadText(data, encoding).trim();
  if ((encoding ?? 'CSV').toUpperCase() === 'JSON' || /^[[{"]/.test(text)) {
    try {
      const value = JSON.parse(text) as unknown;
      return typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    } catch {
      return NaN;
    }
  }
  return text === '' ? NaN : Number(text.split(',')[0]);
}

export interface LabelRead {
  /** Labels of the ids asked for. */
  labels: Map<string, GroundTruthLabel>;
  objects: number;
  records: number;
  malformed: number;
}

/**
 * The labels of `wanted` ids among the ground-truth objects that arrived (LastModified, whole seconds on S3) between
 * `fromMs` and `untilMs`, filed under the hours from `fromMs` to `untilMs`, with when each arrived (whether in time is
 * the caller's judgement). `onObject` is called after each object read (the caller heartbeats).
 */
export async function readLabels(
  s3: S3Client,
  uri: string,
  fromMs: number,
  untilMs: number,
  wanted: ReadonlySet<string>,
  onObject: () => void = () => undefined,
): Promise<LabelRead> {
  const { bucket, prefix } = parseS3Uri(uri);
  const keys = await listKeys(s3, bucket, prefix, {
    startAfter: joinKey(prefix, hourPath(fromMs)),
    // Every key of the hour after untilMs's sorts at or after this.
    stopAt: joinKey(prefix, hourPath(untilMs + 3_600_000)),
  });
  const out: LabelRead = { labels: new Map(), objects: 0, records: 0, malformed: 0 };
  for (const { key, lastModified } of keys) {
    if (!/\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/[^/]+$/.test(key)) continue;
    if (lastModified + 1_000 < fromMs || lastModified > untilMs) continue;
    const text = await readText(s3, bucket, key);
    out.objects++;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: GroundTruthRecord;
      try {
        record = JSON.parse(line) as GroundTruthRecord;
      } catch {
        out.malformed++;
        continue;
      }
      const id = record.eventMetadata?.eventId;
      const label = labelOf(record.groundTruthData?.data, record.groundTruthData?.encoding);
      if (typeof id !== 'string' || !Number.isFinite(label)) {
        out.malformed++;
        continue;
      }
      out.records++;
      if (!wanted.has(id)) continue;
      const known = out.labels.get(id);
      if (!known || lastModified < known.arrivedAt) out.labels.set(id, { label, arrivedAt: lastModified });
    }
    onObject();
  }
  return out;
}
