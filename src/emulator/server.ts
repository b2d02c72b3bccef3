/**
 * One node:http server for every emulated service, told apart the way AWS endpoints would be:
 * - `POST /` with `X-Amz-Target: SageMaker.<Op>` → SageMaker (awsJson1_1)
 * - `POST /` with `X-Amz-Target: GraniteServiceVersion20100801.<Op>` → CloudWatch (awsJson1_0, query-compatible)
 * - `POST /` form-encoded `Action=<Op>&Version=2010-08-01` → CloudWatch (query protocol, XML answers)
 * - `POST /endpoints/{name}/invocations` → SageMaker Runtime (restJson1)
 * - `GET|HEAD|PUT /<bucket>/<key>`, `GET /<bucket>?list-type=2` → S3 (path-style)
 * - `GET /health`, `/_emulator/*` → health and the admin API
 * The region is read from the SigV4 credential scope (signatures are not checked), so state is kept per region.
 * Each protocol's handler lives in ./http, with what they share (request helpers, the request log's recorder).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleAdmin } from './admin';
import { invocations } from './http/invocations';
import { jsonRpc, jsonService } from './http/json-rpc';
import { queryRpc } from './http/query-rpc';
import { createRecorder } from './http/recorder';
import { header, MAX_BODY_BYTES, readBody, regionOf, sendJson } from './http/request';
import { s3 } from './http/s3-http';
import { RequestLog } from './request-log';
import { parseBucketPath, parseObjectPath } from './s3';
import type { EmulatorContext } from './state';

const FORM = 'application/x-www-form-urlencoded';
const INVOCATIONS = /^\/endpoints\/([^/]+)\/invocations$/;

export interface EmulatorServer {
  server: Server;
  log: RequestLog;
}

export function createEmulatorServer(ctx: EmulatorContext, onReset: () => void): EmulatorServer {
  const log = new RequestLog(ctx.config.requestLogLimit);
  const recorder = createRecorder(log);

  async function admin(req: IncomingMessage, res: ServerResponse, pathname: string, search: string): Promise<void> {
    let body: unknown;
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendJson(res, 400, { error: 'the admin API takes JSON bodies' });
        return;
      }
    }
    const answer = handleAdmin(ctx, log, req.method ?? 'GET', pathname, new URLSearchParams(search), body, onReset);
    sendJson(res, answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    const receivedAt = process.hrtime.bigint();
    const startedAt = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    const region = regionOf(req, ctx.config.defaultRegion);
    const fail = (err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: (err as Error).message });
      else res.destroy();
    };

    if (method === 'POST') {
      const invocation = INVOCATIONS.exec(pathname);
      if (invocation) {
        invocations(ctx, recorder, req, res, invocation[1], startedAt, receivedAt, region).catch(fail);
        return;
      }
      const target = header(req, 'x-amz-target');
      if (pathname === '/' && target && jsonService(target)) {
        jsonRpc(ctx, recorder, req, res, target, startedAt, region).catch(fail);
        return;
      }
      if (pathname === '/' && !target && (header(req, 'content-type') ?? '').startsWith(FORM)) {
        readBody(req, MAX_BODY_BYTES)
          .then((body) => queryRpc(ctx, recorder, req, res, body.toString('utf8'), startedAt, region))
          .catch(fail);
        return;
      }
    }
    if (pathname === '/health' && method === 'GET') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (pathname.startsWith('/_emulator/')) {
      admin(req, res, pathname, search).catch(fail);
      return;
    }
    if (method === 'GET' || method === 'HEAD' || method === 'PUT') {
      const object = parseObjectPath(pathname);
      if (object) {
        s3(ctx, recorder, req, res, object.bucket, object.key, search, startedAt, region).catch(fail);
        return;
      }
      const bucket = method === 'GET' ? parseBucketPath(pathname) : undefined;
      if (bucket !== undefined) {
        s3(ctx, recorder, req, res, bucket, undefined, search, startedAt, region).catch(fail);
        return;
      }
    }
    req.resume();
    const target = header(req, 'x-amz-target');
    sendJson(
      res,
      400,
      {
        __type: 'UnknownOperationException',
        message: `The emulator does not serve ${method} ${pathname}${target ? ` (X-Amz-Target ${target})` : ''}.`,
      },
      { 'x-amzn-errortype': 'UnknownOperationException' },
    );
  });
  server.keepAliveTimeout = 65_000;
  return { server, log };
}
