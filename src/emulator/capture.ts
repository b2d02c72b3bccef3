/**
 * SageMaker's data capture: an endpoint config's DataCaptureConfig makes each sampled invocation a JSON line in the
 * emulator's S3 (the data dir), as the SageMaker developer guide documents it (model-monitor-data-capture-endpoint):
 * - path `<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl`, "organized based on the hour when the
 *   invocation occurred"; files are named `<mm>-<ss>-<mmm>-<uuid>.jsonl` after their first record, as a capture
 *   listing shows them (`12-26-957-d5938b7b-….jsonl`, Practical MLOps ch. 6);
 * - a record is `{"captureData":{"endpointInput":{observedContentType, mode:"INPUT", data, encoding},
 *   "endpointOutput":{…, mode:"OUTPUT"}}, "eventMetadata":{eventId, inferenceId?, inferenceTime}, "eventVersion":"0"}`;
 *   `inferenceId` is InvokeEndpoint's InferenceId ([BC-RT]: "it is added to the captured data");
 * - CaptureOptions pick Input, Output or both (InputAndOutput); InitialSamplingPercentage is the share of requests
 *   captured; content types listed in CaptureContentTypeHeader.CsvContentTypes / JsonContentTypes are captured as
 *   text with encoding CSV / JSON, anything else base64 ("If no headers are specified SageMaker AI will by default
 *   base64 encode when capturing the data", [BC-SM] CaptureContentTypeHeader);
 * - "The delivery of capture data to Amazon S3 can require a couple of minutes": a file collects records for
 *   `flushSeconds` (default 60, × timeScale) from its first, then appears whole (the listing above shows one file a
 *   minute, each written about a minute after its first record).
 * Not documented, and so chosen here: only invocations that return a response are captured (a ModelError has no
 * output to record); a content type matches a listed one by its media type (parameters such as charset ignored).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { safeJoin } from './model-loader';
import type { EmulatorContext, EndpointRecord, Json, LiveVariant, RegionState } from './state';

interface CaptureConfig {
  bucket: string;
  prefix: string;
  sampling: number;
  input: boolean;
  output: boolean;
  csv: string[];
  json: string[];
}

interface OpenFile {
  bucket: string;
  key: string;
  hour: string;
  lines: string[];
}

export interface CapturedInvocation {
  body: Buffer;
  contentType: string;
  inferenceId?: string;
  output: string;
  outputContentType: string;
  atMs: number;
}

const mediaType = (contentType: string) => contentType.split(';')[0].trim().toLowerCase();

/** The DataCaptureConfig in force for a variant (read when it first serves, so a later config delete cannot lose it). */
function captureConfigOf(region: RegionState, ep: EndpointRecord): CaptureConfig | null {
  const configName = ep.pending?.previousConfigName ?? ep.configName;
  const dc = region.configs.get(configName.toLowerCase())?.request.DataCaptureConfig as Json | undefined;
  if (!dc || dc.EnableCapture === false) return null;
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(String(dc.DestinationS3Uri ?? ''));
  if (!m) return null;
  const modes = ((dc.CaptureOptions as Json[] | undefined) ?? []).map((o) => String(o.CaptureMode));
  const header = (dc.CaptureContentTypeHeader as Json | undefined) ?? {};
  return {
    bucket: m[1],
    prefix: m[2].replace(/\/+$/, ''),
    sampling: Number(dc.InitialSamplingPercentage ?? 0),
    input: modes.includes('Input') || modes.includes('InputAndOutput'),
    output: modes.includes('Output') || modes.includes('InputAndOutput'),
    csv: ((header.CsvContentTypes as string[] | undefined) ?? []).map(mediaType),
    json: ((header.JsonContentTypes as string[] | undefined) ?? []).map(mediaType),
  };
}

function encode(cfg: CaptureConfig, data: Buffer, contentType: string): { data: string; encoding: string } {
  const type = mediaType(contentType);
  if (cfg.csv.includes(type)) return { data: data.toString('utf8'), encoding: 'CSV' };
  if (cfg.json.includes(type)) return { data: data.toString('utf8'), encoding: 'JSON' };
  return { data: data.toString('base64'), encoding: 'BASE64' };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export class DataCapture {
  private readonly configs = new WeakMap<LiveVariant, CaptureConfig | null>();
  private readonly open = new Map<string, OpenFile>();
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: EmulatorContext) {}

  /** Records one served invocation if the variant's config captures it (sampling drawn here). */
  record(region: RegionState, ep: EndpointRecord, variant: LiveVariant, inv: CapturedInvocation): void {
    if (!this.ctx.config.dataCapture.enabled) return;
    let cfg = this.configs.get(variant);
    if (cfg === undefined) {
      cfg = captureConfigOf(region, ep);
      this.configs.set(variant, cfg);
    }
    if (!cfg || (!cfg.input && !cfg.output)) return;
    if (!(this.ctx.rng.next() * 100 < cfg.sampling)) return;
    const at = new Date(inv.atMs);
    const captureData: Json = {};
    if (cfg.input) {
      captureData.endpointInput = {
        observedContentType: inv.contentType,
        mode: 'INPUT',
        ...encode(cfg, inv.body, inv.contentType),
      };
    }
    if (cfg.output) {
      captureData.endpointOutput = {
        observedContentType: inv.outputContentType,
        mode: 'OUTPUT',
        ...encode(cfg, Buffer.from(inv.output, 'utf8'), inv.outputContentType),
      };
    }
    const line = JSON.stringify({
      captureData,
      eventMetadata: {
        eventId: randomUUID(),
        ...(inv.inferenceId !== undefined ? { inferenceId: inv.inferenceId } : {}),
        inferenceTime: `${at.toISOString().slice(0, 19)}Z`,
      },
      eventVersion: '0',
    });
    const hour = [at.getUTCFullYear(), pad(at.getUTCMonth() + 1), pad(at.getUTCDate()), pad(at.getUTCHours())];
    const key = `${region.name}\u0000${ep.name}\u0000${variant.name}`;
    let file = this.open.get(key);
    if (file && file.hour !== hour.join('/')) {
      this.flush(key, file);
      file = undefined;
    }
    if (!file) {
      const name = `${pad(at.getUTCMinutes())}-${pad(at.getUTCSeconds())}-${pad(at.getUTCMilliseconds(), 3)}-${randomUUID()}.jsonl`;
      const keyParts = [...(cfg.prefix === '' ? [] : cfg.prefix.split('/')), ep.name, variant.name, ...hour, name];
      file = { bucket: cfg.bucket, key: keyParts.join('/'), hour: hour.join('/'), lines: [] };
      this.open.set(key, file);
      const opened = file;
      this.ctx.timers.after(this.ctx.config.dataCapture.flushMs, () => this.flush(key, opened));
    }
    file.lines.push(line);
  }

  private flush(key: string, file: OpenFile): void {
    if (this.open.get(key) === file) this.open.delete(key);
    if (file.lines.length === 0) return;
    const lines = file.lines.splice(0);
    const target = safeJoin(this.ctx.dataDir, file.bucket, file.key);
    // Written aside (outside every bucket) and renamed, so a reader lists a whole file or none.
    const temp = join(this.ctx.dataDir, '.capture-tmp', `${randomUUID()}.jsonl`);
    this.writes = this.writes
      .then(async () => {
        await mkdir(dirname(target), { recursive: true });
        await mkdir(dirname(temp), { recursive: true });
        await writeFile(temp, `${lines.join('\n')}\n`);
        await rename(temp, target);
      })
      .catch((err: unknown) => process.stderr.write(`emulator: data capture write failed: ${String(err)}\n`));
  }
}

const captures = new WeakMap<EmulatorContext, DataCapture>();

export function dataCapture(ctx: EmulatorContext): DataCapture {
  let c = captures.get(ctx);
  if (!c) captures.set(ctx, (c = new DataCapture(ctx)));
  return c;
}
