// Starts and stops a local Temporal dev server (`temporal server start-dev`) for the demo and the tests.
//
// We spawn the pinned CLI ourselves rather than through @temporalio/testing so that a test can restart the server
// on the same persistent database (the reliability suite needs that) and so that the server can never outlive us:
// it runs under a tiny shell watchdog that kills it when the Node process that started it disappears, even on
// SIGKILL, where no exit handler of ours would run.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../workflows/shared';

export interface DevServerOptions {
  /** Path of the `temporal` binary; defaults to `npm run -s temporal:path`'s answer. */
  temporalPath?: string;
  /** gRPC port; 0 or unset picks a free one. */
  port?: number;
  /** Web UI port; unset with `headless` false means gRPC port + 1000. */
  uiPort?: number;
  headless?: boolean;
  /** Persistent SQLite file; unset keeps everything in memory. */
  dbFilename?: string;
  namespace?: string;
  /** Where the server's own log goes; defaults to being discarded. */
  logFile?: string;
  /** Server dynamic config, e.g. {"limit.historyCount.suggestContinueAsNew": 60} (`--dynamic-config-value`). */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  port: number;
  stop(): Promise<void>;
}

/** `--search-attribute` values for the dev server: the rollout's search attributes, as `Name=Keyword`. */
export function searchAttributeFlags(): string[] {
  return ROLLOUT_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${key.type[0]}${key.type.slice(1).toLowerCase()}`);
}

export function resolveTemporalPath(): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const out = execFileSync(process.execPath, [require.resolve('../../scripts/ensure-temporal.js')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop()!;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// Runs "$@" and kills it when $1 (the parent pid) is gone or when we are asked to stop.
const WATCHDOG = [
  'parent=$1; shift',
  '"$@" & child=$!',
  "trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT HUP",
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done',
  'kill -TERM $child 2>/dev/null; wait $child',
].join('\n');

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const temporal = opts.temporalPath ?? resolveTemporalPath();
  const port = opts.port || (await freePort());
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  let uiUrl: string | undefined;
  if (opts.headless) {
    args.push('--headless');
  } else {
    const uiPort = opts.uiPort ?? port + 1000;
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
  }
  if (opts.dbFilename) args.push('--db-filename', opts.dbFilename);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const flag of searchAttributeFlags()) args.push('--search-attribute', flag);
  const { openSync } = await import('node:fs');
  const out = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'watchdog', String(process.pid), temporal, ...args], {
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, namespace, uiUrl, port, stop };
}

async function waitUntilServing(address: string, exited: Promise<number | null>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void exited.then(() => (died = true));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (died) throw new Error(`temporal server start-dev exited before serving on ${address}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server on ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}
