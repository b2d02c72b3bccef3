/**
 * Reads a SageMaker ModelDataUrl artifact and returns the XGBoost model's JSON text.
 *
 * Accepted: `model.tar.gz` (or a plain tar) holding `xgboost-model` (JSON or UBJSON) — the file SageMaker's XGBoost container writes
 * and loads — possibly as `./xgboost-model`; a tarball holding exactly one other regular file (the container loads
 * whatever single file the model directory holds); or a bare (optionally gzip'd) JSON or UBJSON model file.
 * The tar reader is our own: ustar plus the GNU long-name and pax path records that tar/python write.
 */
import { gunzipSync } from 'zlib';
import { decodeUbjson, looksLikeUbjson } from './ubjson';

export class ModelArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelArtifactError';
  }
}

const MODEL_FILE = 'xgboost-model';
const SAVE_AS_JSON =
  'save the model as JSON (booster.save_model("xgboost-model.json")) or UBJSON, then pack it as `xgboost-model`';
// A model archive far beyond any real model means a corrupt or hostile file: stop inflating there.
const MAX_INFLATED_BYTES = 1 << 30;

interface TarEntry {
  name: string;
  type: string; // '0' regular file, '5' directory, ...
  data: Buffer;
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function isTar(bytes: Buffer): boolean {
  return bytes.length >= 512 && bytes.toString('latin1', 257, 262) === 'ustar';
}

function cString(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function octal(block: Buffer, start: number, length: number): number {
  // Sizes over 8 GiB use GNU base-256: high bit set on the first byte.
  if (block[start] & 0x80) {
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + block[i];
    return n;
  }
  const text = cString(block, start, length).trim();
  const n = text === '' ? 0 : Number.parseInt(text, 8);
  if (!Number.isFinite(n) || n < 0) throw new ModelArtifactError(`corrupt tar header (size field "${text}")`);
  return n;
}

function checksumOk(block: Buffer): boolean {
  const stored = octal(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum === stored;
}

function paxPath(data: Buffer): string | undefined {
  // Records are "<len> key=value\n".
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const len = Number.parseInt(data.toString('ascii', at, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') return record.slice(eq + 1);
    at += len;
  }
  return undefined;
}

export function readTar(bytes: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  while (at + 512 <= bytes.length) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumOk(header)) throw new ModelArtifactError(`corrupt tar archive (bad header checksum at byte ${at})`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = at + 512;
    if (dataStart + size > bytes.length) throw new ModelArtifactError('truncated tar archive');
    const data = bytes.subarray(dataStart, dataStart + size);
    at = dataStart + Math.ceil(size / 512) * 512;

    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue; // global pax header: no per-file data
    // ustar splits long paths into prefix (offset 345) + name.
    const prefix = header.toString('latin1', 257, 262) === 'ustar' ? cString(header, 345, 155) : '';
    const plain = cString(header, 0, 100);
    const name = longName ?? (prefix ? `${prefix}/${plain}` : plain);
    longName = undefined;
    entries.push({ name, type, data });
  }
  return entries;
}

function baseName(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return parts[parts.length - 1] ?? '';
}

function depth(path: string): number {
  return path.split('/').filter((p) => p !== '' && p !== '.').length;
}

/**
 * The model from a model file's bytes: JSON text as is, UBJSON (xgboost's binary JSON, its default format from 2.1
 * for paths without a .json extension) decoded to the same document; a clear error for anything else.
 */
function modelDocument(data: Buffer, where: string): ModelDocument {
  const text = data.toString('utf8');
  const start = text.trimStart();
  if (start.startsWith('{')) {
    const second = start.slice(1).trimStart().charAt(0);
    if (second === '"' || second === '}') return text;
  }
  if (looksLikeUbjson(data)) {
    try {
      return decodeUbjson(data) as Record<string, unknown>;
    } catch (e) {
      throw new ModelArtifactError(
        `${where} looks like a UBJSON XGBoost model but cannot be decoded (${(e as Error).message}); ${SAVE_AS_JSON}`,
      );
    }
  }
  if (data.length > 0 && data[0] === 0x80) {
    throw new ModelArtifactError(`${where} looks like a pickled Python object; ${SAVE_AS_JSON}`);
  }
  if (data.length === 0) throw new ModelArtifactError(`${where} is empty`);
  throw new ModelArtifactError(`${where} is not JSON or UBJSON (legacy binary XGBoost model?); ${SAVE_AS_JSON}`);
}

/** JSON text, or the document decoded from UBJSON; loadXGBoostModel takes either. */
export type ModelDocument = string | Record<string, unknown>;

export function readModelArtifact(bytes: Buffer): ModelDocument {
  let data = bytes;
  if (isGzip(data)) {
    try {
      data = gunzipSync(data, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (e) {
      throw new ModelArtifactError(`model artifact is not a readable gzip file: ${(e as Error).message}`);
    }
  }
  if (!isTar(data)) return modelDocument(data, 'the model artifact');

  const files = readTar(data).filter((e) => (e.type === '0' || e.type === '7') && !baseName(e.name).startsWith('.'));
  const named = files.filter((e) => baseName(e.name) === MODEL_FILE).sort((a, b) => depth(a.name) - depth(b.name));
  if (named.length > 0) return modelDocument(named[0].data, `"${named[0].name}" in the model tarball`);
  const topLevel = files.filter((e) => depth(e.name) === 1);
  if (topLevel.length === 1) return modelDocument(topLevel[0].data, `"${topLevel[0].name}" in the model tarball`);
  const listing = files.map((e) => e.name).join(', ') || 'no files';
  throw new ModelArtifactError(
    `the model tarball has no "${MODEL_FILE}" file (found: ${listing}); SageMaker's XGBoost container expects ` +
      `model.tar.gz to hold the model as "${MODEL_FILE}": tar -czf model.tar.gz ${MODEL_FILE}`,
  );
}
