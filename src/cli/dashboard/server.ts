// The dashboard's HTTP server: the page (one shell for the list and a rollout's view), its scripts, and the JSON it
// polls, all from our Temporal client; no other service, no websockets.
//
// It acts with the Temporal credentials of the process that runs it, so it listens on 127.0.0.1 by default, and its
// buttons are guarded against other sites: a POST must be JSON (a cross-site form cannot send that, and a cross-site
// fetch of it needs a CORS preflight this server never grants), must name this server in Host (DNS rebinding) and, if
// the browser sends an Origin, come from this server's own.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SignalName } from '../../schema';
import { CliError } from '../exit-codes';
import { loadChartJs, loadPageScript } from '../report/html';
import type { CliTemporal } from '../temporal';
import { act, ACTIONS } from './actions';
import { listRollouts, rolloutView } from './data';
import { dashboardHtml, loadDashboardScript } from './page';

export interface DashboardOptions {
  host: string;
  port: number;
  /** The operator every action is taken as (`--as`); without it the page asks for a name. */
  as?: string;
  /**
   * A request header an authenticating proxy in front sets to the signed-in user (`--user-header`, e.g.
   * oauth2-proxy's X-Forwarded-Email): every action is taken as that user, and a request without it is refused.
   */
  userHeader?: string;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;

export async function startDashboard(t: CliTemporal, options: DashboardOptions): Promise<RunningDashboard> {
  const assets: Record<string, string> = {
    '/assets/chart.js': loadChartJs(),
    '/assets/charts.js': loadPageScript(),
    '/assets/dashboard.js': loadDashboardScript(),
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    if (!sameHost(req, server)) return sendJson(res, 403, { error: 'this dashboard answers only as its own host' });
    const as = operator(req, options);
    if (as === null) {
      return sendJson(res, 401, { error: `no ${options.userHeader} header: sign in through the proxy in front` });
    }
    if (req.method === 'GET' && (path === '/' || /^\/rollouts\/[^/]+$/.test(path))) {
      return send(res, 200, 'text/html; charset=utf-8', dashboardHtml({ as: as ?? null }));
    }
    if (req.method === 'GET' && assets[path]) return send(res, 200, 'text/javascript; charset=utf-8', assets[path]);
    if (req.method === 'GET' && path === '/favicon.ico') return void res.writeHead(204).end();
    if (req.method === 'GET' && path === '/api/rollouts') {
      return sendJson(res, 200, { rollouts: await listRollouts(t), as: as ?? null, namespace: t.namespace });
    }
    const one = /^\/api\/rollouts\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && one) {
      try {
        return sendJson(res, 200, { ...(await rolloutView(t, decodeURIComponent(one[1]))), as: as ?? null });
      } catch (err) {
        if (err instanceof CliError || err instanceof WorkflowNotFoundError) {
          return sendJson(res, 404, { error: err.message });
        }
        throw err;
      }
    }
    const action = /^\/api\/rollouts\/([^/]+)\/([a-z]+)$/.exec(path);
    if (req.method === 'POST' && action && ACTIONS.includes(action[2] as SignalName)) {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return sendJson(res, 415, { error: 'send JSON (Content-Type: application/json)' });
      }
      if (req.headers.origin !== undefined && req.headers.origin !== `http://${req.headers.host}`) {
        return sendJson(res, 403, { error: 'a request from another site' });
      }
      const body = await readJson(req);
      if (body === undefined) return sendJson(res, 400, { error: 'the body is not JSON, or too long' });
      const outcome = await act(t, decodeURIComponent(action[1]), action[2] as SignalName, body, as);
      return outcome.ok ? sendJson(res, 200, outcome.answer) : sendJson(res, outcome.status, { error: outcome.error });
    }
    return sendJson(res, 404, { error: `no ${req.method} ${path} here` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Who acts: the proxy's user header when one is configured (null when it is missing), else `--as`, else the page's. */
function operator(req: IncomingMessage, options: DashboardOptions): string | undefined | null {
  if (!options.userHeader) return options.as;
  const value = req.headers[options.userHeader.toLowerCase()];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** The Host header names this server (the address it listens on, or localhost), at its port. */
function sameHost(req: IncomingMessage, server: Server): boolean {
  const address = server.address() as AddressInfo | null;
  if (!address) return false;
  const host = req.headers.host ?? '';
  const listening = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const allowed = [listening, 'localhost', '127.0.0.1', '[::1]'].map((h) => `${h}:${address.port}`);
  // Listening on every interface (--host 0.0.0.0): the operator chose to be reachable by any name.
  return allowed.includes(host) || ['0.0.0.0', '::'].includes(address.address);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // The page runs only our own scripts and talks only to this server.
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}
