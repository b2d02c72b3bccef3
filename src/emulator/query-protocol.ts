/**
 * The AWS query protocol, as botocore's `query` serializer and parser speak it (botocore/serialize.py QuerySerializer,
 * botocore/parsers.py QueryParser): requests are form-encoded (`Action=<Op>&Version=<v>&A.member.1.B=...`), answers
 * are XML documents `<OpResponse xmlns=...><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>`,
 * errors `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. Older boto3/AWS CLI
 * releases and many other tools still send CloudWatch this way. Members are typed by the service model's shapes
 * (cloudwatch-shapes.ts), so the JSON handlers get the same input they get over awsJson.
 */

export type QueryShape =
  | { type: 'structure'; members: Record<string, string> }
  | { type: 'list'; member: string }
  | { type: 'map'; key: string; value: string }
  | { type: 'string' | 'integer' | 'long' | 'double' | 'float' | 'boolean' | 'timestamp' | 'blob' };

export type Shapes = Record<string, QueryShape>;

export class QueryInputError extends Error {}

type Json = Record<string, unknown>;

function scalar(shape: QueryShape, raw: string, key: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new QueryInputError(`${key} must be a number, got "${raw}"`);
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new QueryInputError(`${key} must be true or false, got "${raw}"`);
      return raw === 'true';
    case 'timestamp': {
      // botocore writes ISO 8601 (2026-12-05T19:55:29.000Z, or without fractions); epoch seconds are accepted too.
      const t = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
      if (!Number.isFinite(t)) throw new QueryInputError(`${key} must be a timestamp, got "${raw}"`);
      return t / 1000;
    }
    default:
      return raw;
  }
}

/** Rebuilds a typed input from form parameters: `Prefix.Member`, lists `Prefix.member.N`, maps `Prefix.entry.N.key`. */
export function parseQueryInput(params: URLSearchParams, inputShape: string, shapes: Shapes): Json {
  const flat = new Map<string, string>();
  for (const [k, v] of params) if (k !== 'Action' && k !== 'Version') flat.set(k, v);

  const read = (shapeName: string, prefix: string): unknown => {
    const shape = shapes[shapeName];
    if (shape.type === 'structure') {
      const out: Json = {};
      for (const [member, memberShape] of Object.entries(shape.members)) {
        const value = read(memberShape, prefix === '' ? member : `${prefix}.${member}`);
        if (value !== undefined) out[member] = value;
      }
      return prefix === '' || Object.keys(out).length > 0 ? out : undefined;
    }
    if (shape.type === 'list') {
      // An empty list is sent as `Prefix=` (QuerySerializer._serialize_type_list).
      if (flat.get(prefix) === '') return [];
      const items: unknown[] = [];
      for (let i = 1; ; i++) {
        const item = read(shape.member, `${prefix}.member.${i}`);
        if (item === undefined) break;
        items.push(item);
      }
      return items.length > 0 ? items : undefined;
    }
    if (shape.type === 'map') {
      const out: Json = {};
      for (let i = 1; ; i++) {
        const key = read(shape.key, `${prefix}.entry.${i}.key`);
        if (key === undefined) break;
        out[String(key)] = read(shape.value, `${prefix}.entry.${i}.value`);
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    const raw = flat.get(prefix);
    return raw === undefined ? undefined : scalar(shape, raw, prefix);
  };
  return read(inputShape, '') as Json;
}

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function writeScalar(shape: QueryShape, value: unknown): string {
  switch (shape.type) {
    case 'timestamp': {
      // The handlers hold timestamps as epoch seconds; the query protocol writes ISO 8601.
      const ms = typeof value === 'number' ? value * 1000 : Date.parse(String(value));
      return new Date(ms).toISOString();
    }
    case 'boolean':
      return value ? 'true' : 'false';
    case 'double':
    case 'float':
    case 'integer':
    case 'long':
      return String(value);
    default:
      return escapeXml(String(value));
  }
}

/** The XML of one value of a shape, as the children of its element. Members the model does not name are left out. */
function writeXml(value: unknown, shapeName: string, shapes: Shapes): string {
  const shape = shapes[shapeName];
  if (value === undefined || value === null) return '';
  if (shape.type === 'structure') {
    let out = '';
    for (const [member, memberShape] of Object.entries(shape.members)) {
      const v = (value as Json)[member];
      if (v === undefined || v === null) continue;
      out += `<${member}>${writeXml(v, memberShape, shapes)}</${member}>`;
    }
    return out;
  }
  if (shape.type === 'list') {
    return (value as unknown[]).map((item) => `<member>${writeXml(item, shape.member, shapes)}</member>`).join('');
  }
  if (shape.type === 'map') {
    return Object.entries(value as Json)
      .map(
        ([k, v]) =>
          `<entry><key>${writeXml(k, shape.key, shapes)}</key><value>${writeXml(v, shape.value, shapes)}</value></entry>`,
      )
      .join('');
  }
  return writeScalar(shape, value);
}

export function queryResponseXml(
  operation: string,
  namespace: string,
  requestId: string,
  output: { shape?: string; resultWrapper?: string; body: Json },
  shapes: Shapes,
): string {
  const result =
    output.shape === undefined
      ? ''
      : `<${output.resultWrapper}>${writeXml(output.body, output.shape, shapes)}</${output.resultWrapper}>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${namespace}">${result}` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

export function queryErrorXml(
  namespace: string,
  requestId: string,
  error: { type: 'Sender' | 'Receiver'; code: string; message: string },
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${error.type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
