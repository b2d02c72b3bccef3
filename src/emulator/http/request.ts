// What the server's protocol handlers share about a request and its answer: request ids, the bounded body, headers,
// the region from the SigV4 credential scope, and the plain JSON and 413 answers.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Request ids: a random per-process prefix and a counter (a UUID per request costs more than the inference).
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;
export function requestId(): string {
  return `${ID_PREFIX}-${(++idCounter).toString(16).padStart(8, '0')}`;
}

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//;
// SageMaker Runtime's payload limit ([BC-RT] InvokeEndpoint Body max 6291456); other services get a generous cap so a
// bad client cannot exhaust memory.
export const RUNTIME_MAX_BYTES = 6291456;
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge(`request body over ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A header value as the client wrote it in UTF-8 (node reads header bytes as latin1). */
export function utf8Header(req: IncomingMessage, name: string): string | undefined {
  const v = header(req, name);
  return v === undefined ? undefined : Buffer.from(v, 'latin1').toString('utf8');
}

export function regionOf(req: IncomingMessage, fallback: string): string {
  const auth = header(req, 'authorization');
  const m = auth ? CREDENTIAL_SCOPE.exec(auth) : null;
  return m ? m[1] : fallback;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * A body over InvokeEndpoint's limit ([BC-RT] Body max 6291456 bytes) is refused before SageMaker's API layer, as
 * SageMaker answered it: HTTP 413 with the plain-text message "HTTP content length exceeded <limit> bytes." and no
 * error type, which botocore reports as error code "413" (aws/sagemaker-python-sdk#171, when the limit was 5 MB).
 */
export function oversize(res: ServerResponse, reqId: string): void {
  const text = `HTTP content length exceeded ${RUNTIME_MAX_BYTES} bytes.`;
  res.writeHead(413, {
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': reqId,
  });
  res.end(text);
}
