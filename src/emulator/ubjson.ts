/**
 * Universal Binary JSON, as XGBoost writes it (`booster.save_model("model.ubj")`, and from xgboost 2.1 any
 * `save_model` path without a .json extension, `xgboost-model` included). Numbers are big-endian; XGBoost writes its
 * big arrays as optimised containers (`[$d#L<n>` then n raw float32 values), which are decoded into plain arrays so
 * the model loader sees the same shape as the JSON format.
 */

export class UbjsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UbjsonError';
  }
}

/** True when bytes look like a UBJSON document XGBoost wrote: an object whose first key is length-prefixed. */
export function looksLikeUbjson(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0x7b /* { */ && 'iUIlL#$}'.includes(String.fromCharCode(bytes[1]));
}

const MAX_DEPTH = 64;

export function decodeUbjson(bytes: Buffer): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;

  const need = (n: number) => {
    if (at + n > bytes.length) throw new UbjsonError(`truncated UBJSON: needed ${n} more byte(s) at offset ${at}`);
  };
  const marker = (): string => {
    need(1);
    let m = String.fromCharCode(bytes[at++]);
    while (m === 'N') {
      need(1);
      m = String.fromCharCode(bytes[at++]); // no-op padding
    }
    return m;
  };

  const scalar = (m: string): number | string | boolean | null => {
    switch (m) {
      case 'Z':
        return null;
      case 'T':
        return true;
      case 'F':
        return false;
      case 'i':
        need(1);
        return view.getInt8(at++);
      case 'U':
        need(1);
        return view.getUint8(at++);
      case 'I': {
        need(2);
        const v = view.getInt16(at);
        at += 2;
        return v;
      }
      case 'l': {
        need(4);
        const v = view.getInt32(at);
        at += 4;
        return v;
      }
      case 'L': {
        need(8);
        const v = Number(view.getBigInt64(at));
        at += 8;
        return v;
      }
      case 'd': {
        need(4);
        const v = view.getFloat32(at);
        at += 4;
        return v;
      }
      case 'D': {
        need(8);
        const v = view.getFloat64(at);
        at += 8;
        return v;
      }
      case 'C':
        need(1);
        return String.fromCharCode(bytes[at++]);
      case 'S':
        return string();
      case 'H':
        return Number(string());
      default:
        throw new UbjsonError(`unknown UBJSON marker "${m}" (0x${m.charCodeAt(0).toString(16)}) at offset ${at - 1}`);
    }
  };

  const length = (): number => {
    const n = scalar(marker());
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new UbjsonError(`bad UBJSON length at offset ${at}`);
    }
    return n;
  };

  function string(): string {
    const n = length();
    need(n);
    const s = bytes.toString('utf8', at, at + n);
    at += n;
    return s;
  }

  /** `$type#count` header of an optimised container, if present. */
  const header = (): { type?: string; count?: number } => {
    const out: { type?: string; count?: number } = {};
    if (bytes[at] === 0x24 /* $ */) {
      at++;
      need(1);
      out.type = String.fromCharCode(bytes[at++]);
      if (bytes[at] !== 0x23 /* # */) throw new UbjsonError(`UBJSON typed container without a count at offset ${at}`);
    }
    if (bytes[at] === 0x23 /* # */) {
      at++;
      out.count = length();
    }
    return out;
  };

  const value = (m: string, depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new UbjsonError('UBJSON nested too deeply');
    if (m === '[') {
      const { type, count } = header();
      if (count !== undefined) {
        const arr = new Array<unknown>(count);
        for (let i = 0; i < count; i++) arr[i] = value(type ?? marker(), depth + 1);
        return arr;
      }
      const arr: unknown[] = [];
      for (let next = marker(); next !== ']'; next = marker()) arr.push(value(next, depth + 1));
      return arr;
    }
    if (m === '{') {
      const { type, count } = header();
      const obj: Record<string, unknown> = {};
      if (count !== undefined) {
        for (let i = 0; i < count; i++) {
          const key = string();
          obj[key] = value(type ?? marker(), depth + 1);
        }
        return obj;
      }
      for (;;) {
        need(1);
        if (bytes[at] === 0x7d /* } */) {
          at++;
          return obj;
        }
        const key = string();
        obj[key] = value(marker(), depth + 1);
      }
    }
    return scalar(m);
  };

  const doc = value(marker(), 0);
  return doc;
}
