/**
 * InvokeEndpoint request/response bodies, as SageMaker's XGBoost container (aws/sagemaker-xgboost-container,
 * algorithm_mode/serve.py) reads and writes them.
 *
 * Requests: `text/csv` (the container's main format: rows split on newlines, no header, an empty field is a missing
 * value, numpy float parsing so "nan"/"inf" are accepted). The container itself also takes libsvm and
 * recordio-protobuf but NOT JSON; we additionally accept `application/json` and `application/jsonlines` for
 * convenience (shapes below). An empty body decodes to no rows: the container answers 204 No Content to it.
 *
 * Responses (serve.py + sagemaker_containers' encoders): `text/csv` (default, also for a missing or `*\/*` Accept)
 * is one line per row, multi-output values comma-separated, each line ending in "\n"; `application/json` is
 * `{"predictions": [{"score": 0.73}, …]}` with `"score": [p0, p1, …]` for multi:softprob; `application/jsonlines`
 * is one `{"score": …}` per line. Numbers are written as Python's repr of the float32 score (0.7310585975646973,
 * 1.0, 1e-05), byte for byte what the container sends.
 */

export class PayloadError extends Error {
  /** Status the XGBoost container answers with: 415 for a body it cannot read, 406 for an Accept it cannot write. */
  readonly statusCode: 400 | 406 | 415;
  constructor(message: string, statusCode: 400 | 406 | 415 = 415) {
    super(message);
    this.name = 'PayloadError';
    this.statusCode = statusCode;
  }
}

const CSV = 'text/csv';
const JSON_TYPE = 'application/json';
const JSONLINES = 'application/jsonlines';

/** "Text/CSV; charset=utf-8" → "text/csv". */
function mediaType(header: string): string {
  return header.split(';')[0].trim().toLowerCase();
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, infinity: Infinity };

/** A CSV field as numpy's float() reads it; '' is missing (the container rewrites it to "nan"). */
function parseField(raw: string, line: number, column: number): number {
  const text = raw.trim();
  if (text === '') return NaN;
  if (NUMBER.test(text)) return Number(text);
  const sign = text[0] === '-' ? -1 : 1;
  const special = SPECIAL[text.replace(/^[+-]/, '').toLowerCase()];
  if (special !== undefined) return sign * special;
  throw new PayloadError(
    `Loading csv data failed: line ${line} column ${column} is not a number ("${raw.slice(0, 40)}"); ` +
      'please ensure data is in csv format without a header',
  );
}

function decodeCsv(text: string): number[][] {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const first = lines.find((l) => l.trim() !== '') ?? '';
  // The container sniffs the delimiter from the first line; comma unless the line clearly uses tabs or semicolons.
  const delimiter = first.includes(',') ? ',' : first.includes('\t') ? '\t' : first.includes(';') ? ';' : ',';
  const rows: number[][] = [];
  let width = -1;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = line.split(delimiter);
    if (width === -1) width = fields.length;
    else if (fields.length !== width) {
      throw new PayloadError(
        `Loading csv data failed: line ${i + 1} has ${fields.length} fields but line 1 has ${width}; ` +
          'every row must have the same number of columns',
      );
    }
    rows.push(fields.map((f, c) => parseField(f, i + 1, c + 1)));
  });
  return rows;
}

function numericRow(value: unknown, where: string): number[] {
  if (!Array.isArray(value)) throw new PayloadError(`${where} is not an array of numbers`);
  return value.map((v, i) => {
    if (v === null) return NaN;
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    throw new PayloadError(`${where}[${i}] is not a number: ${JSON.stringify(v)}`);
  });
}

/** One instance: [..], {"features": [..]} or {"data": {"features": {"values": [..]}}} (SageMaker's dense JSON). */
function instanceRow(value: unknown, where: string): number[] {
  if (Array.isArray(value)) return numericRow(value, where);
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    if ('features' in obj) return numericRow(obj.features, `${where}.features`);
    const data = obj.data as Record<string, unknown> | undefined;
    const features = data?.features as Record<string, unknown> | undefined;
    if (features && 'values' in features) return numericRow(features.values, `${where}.data.features.values`);
  }
  throw new PayloadError(`${where} is neither an array of numbers nor {"features": [...]}`);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PayloadError(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

function decodeJson(text: string): number[][] {
  const doc = parseJson(text, 'the request body');
  if (Array.isArray(doc)) {
    // A bare [1, 2, 3] is one row; [[...], [...]] or [{"features": ...}] are many.
    if (doc.length > 0 && doc.every((v) => typeof v === 'number' || v === null)) return [numericRow(doc, 'body')];
    return doc.map((v, i) => instanceRow(v, `body[${i}]`));
  }
  if (typeof doc === 'object' && doc !== null) {
    const obj = doc as Record<string, unknown>;
    if (Array.isArray(obj.instances)) return obj.instances.map((v, i) => instanceRow(v, `instances[${i}]`));
    if ('features' in obj || 'data' in obj) return [instanceRow(obj, 'body')];
  }
  throw new PayloadError(
    'JSON body must be {"instances": [[...], ...]}, {"instances": [{"features": [...]}]} or [[...]]',
  );
}

function decodeJsonLines(text: string): number[][] {
  const rows: number[][] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    rows.push(instanceRow(parseJson(line, `line ${i + 1}`), `line ${i + 1}`));
  });
  return rows;
}

/** Rows of features from an InvokeEndpoint body; throws PayloadError (→ a 4XX from the container) when unreadable. */
export function decodeRows(body: Buffer | string, contentType: string): number[][] {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const type = mediaType(contentType ?? '');
  if (text.trim() === '') return [];
  switch (type) {
    case '':
    case 'csv':
    case CSV:
      return decodeCsv(text);
    case JSON_TYPE:
      return decodeJson(text);
    case JSONLINES:
    case 'application/json-lines':
    case 'application/x-jsonlines':
      return decodeJsonLines(text);
    default:
      throw new PayloadError(
        `Content-type ${contentType} is not supported by this emulator (use text/csv, application/json or ` +
          'application/jsonlines)',
      );
  }
}

/**
 * Python's repr() of a float, which is how the container's encoders print scores: shortest round-trip digits,
 * ".0" on integral values, exponent form below 1e-4 or from 1e16 with a two-digit exponent ("1e-05").
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart === '' ? '0' : fracPart}`;
}

/** json.dumps's spelling of a float (NaN/Infinity instead of nan/inf). */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pythonFloat(x);
}

function scoreJson(row: number[]): string {
  // Single-output rows are a bare number; multi-output rows (multi:softprob) a list.
  const score = row.length === 1 ? jsonFloat(row[0]) : `[${row.map(jsonFloat).join(', ')}]`;
  return `{"score": ${score}}`;
}

/** The response body for predictions (one array per row) in the requested Accept type. */
export function encodePredictions(preds: number[][], accept: string): { body: string; contentType: string } {
  const candidates = (accept ?? '').split(',').map(mediaType);
  const type = candidates.find((t) => t === '' || t === '*/*' || t === CSV || t === JSON_TYPE || t === JSONLINES);
  if (type === undefined) {
    throw new PayloadError(
      `Accept type ${accept} is not supported. Please use supported accept types: ` +
        `["${JSON_TYPE}", "${JSONLINES}", "${CSV}"].`,
      406,
    );
  }
  if (type === JSON_TYPE) {
    return { body: `{"predictions": [${preds.map(scoreJson).join(', ')}]}`, contentType: JSON_TYPE };
  }
  if (type === JSONLINES) {
    return { body: preds.map((row) => `${scoreJson(row)}\n`).join(''), contentType: JSONLINES };
  }
  return { body: preds.map((row) => `${row.map(pythonFloat).join(',')}\n`).join(''), contentType: CSV };
}
