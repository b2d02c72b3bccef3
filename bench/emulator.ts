/**
 * `npm run bench:emulator`: InvokeEndpoint throughput and latency through the SAME SageMakerRuntimeClient, the same
 * payloads (demo holdout rows, label stripped) and the same concurrency against
 *   (a) the emulator serving the challenger model (real XGBoost inference, metrics, routing),
 *   (b) moto server (canned responses),
 *   (c) a bare node:http server answering a fixed body (the floor: HTTP + SDK cost alone).
 * Every server runs in its own process so none shares the client's event loop.
 *
 * Options: --duration <s> (default 8 per target, split into --rounds (default 4) turns that alternate between the
 * targets, each after a 0.5 s warm-up), --concurrency <n> (default 32),
 * --workers <n> client processes sharing the concurrency (default 2: one SDK client process tops out near 1,500
 * requests/s on these machines, which would cap every target alike), --rows <n> rows per request (default 1),
 * --json (machine-readable result on the last line).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { findMotoServer } from '../src/local/moto';

const ROOT = resolve(__dirname, '..');
const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ENDPOINT = 'bench-churn';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

const DURATION_S = option('duration', 8);
const CONCURRENCY = option('concurrency', 32);
const ROWS = option('rows', 1);
const ROUNDS = option('rounds', 4);
const WORKERS = option('workers', 2);
const JSON_OUT = process.argv.includes('--json');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
  });
}

/** Starts a child and resolves once `ready()` answers true; the child dies with the bench. */
async function startChild(
  name: string,
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
): Promise<ChildProcess> {
  const proc = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  let stderr = '';
  proc.stderr?.on('data', (c) => (stderr += String(c)));
  let exited: string | undefined;
  proc.on('exit', (code) => (exited = `exited with ${code}`));
  proc.on('error', (e) => (exited = e.message));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`${name} did not start (${exited}): ${stderr.slice(-400)}`);
    if (await ready().catch(() => false)) return proc;
    if (Date.now() > deadline) throw new Error(`${name} not ready after 30 s: ${stderr.slice(-400)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const answers = (url: string) => async () => (await fetch(url)).status < 500;

async function deploy(url: string): Promise<void> {
  const sm = new SageMakerClient({ endpoint: url, region: 'us-east-1', credentials: CREDENTIALS });
  await sm.send(
    new CreateModelCommand({
      ModelName: 'bench-challenger',
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: 's3://models/churn/challenger/model.tar.gz' },
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'bench-config',
      ProductionVariants: [
        {
          VariantName: 'Challenger',
          ModelName: 'bench-challenger',
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: 'bench-config' }));
  for (let i = 0; i < 200; i++) {
    const d = await sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
    if (d.EndpointStatus === 'InService') break;
    if (d.EndpointStatus === 'Failed') throw new Error(`bench endpoint failed: ${d.FailureReason}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  sm.destroy();
}

interface Result {
  target: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Tally {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

/** One measuring slice against one target; warms up first (connections, JIT, model caches). */
async function measureSlice(
  url: string,
  payloads: string[],
  seconds: number,
  concurrency: number,
  tally: Tally,
): Promise<void> {
  const runtime = new SageMakerRuntimeClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  let next = 0;
  const run = async (until: number, record: boolean) => {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < until) {
          const body = payloads[next++ % payloads.length];
          const t0 = process.hrtime.bigint();
          let failed = false;
          try {
            const out = await runtime.send(
              new InvokeEndpointCommand({
                EndpointName: ENDPOINT,
                ContentType: 'text/csv',
                Accept: 'text/csv',
                Body: body,
              }),
            );
            failed = !out.Body;
          } catch {
            failed = true;
          }
          if (!record) continue;
          tally.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          tally.requests++;
          if (failed) tally.errors++;
        }
      }),
    );
  };
  await run(Date.now() + 500, false);
  const start = process.hrtime.bigint();
  await run(Date.now() + seconds * 1000, true);
  tally.seconds += Number(process.hrtime.bigint() - start) / 1e9;
  runtime.destroy();
}

/** Client processes, each with its own SageMakerRuntimeClient, driven over IPC; results are merged. */
class LoadWorkers {
  private readonly procs: ChildProcess[] = [];

  constructor(count: number, payloads: string[]) {
    for (let i = 0; i < count; i++) {
      // fork() keeps process.execArgv, so the worker runs under tsx like this process.
      const proc = fork(__filename, ['--load-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      proc.send({ payloads });
      this.procs.push(proc);
    }
  }

  async measure(url: string, seconds: number, tally: Tally): Promise<void> {
    const shares = this.procs.map(
      (_, i) => Math.floor(CONCURRENCY / this.procs.length) + (i < CONCURRENCY % this.procs.length ? 1 : 0),
    );
    const parts = await Promise.all(
      this.procs.map(
        (proc, i) =>
          new Promise<Tally>((done) => {
            proc.once('message', (t) => done(t as Tally));
            proc.send({ url, seconds, concurrency: shares[i] });
          }),
      ),
    );
    for (const t of parts) {
      tally.requests += t.requests;
      tally.errors += t.errors;
      for (const l of t.latencies) tally.latencies.push(l);
    }
    // The workers ran side by side: the slice lasted as long as the slowest one.
    tally.seconds += Math.max(...parts.map((t) => t.seconds));
  }

  close(): void {
    for (const p of this.procs) if (p.connected) p.disconnect();
  }
}

function runLoadWorker(): void {
  let payloads: string[] = [];
  process.on('message', (msg: { payloads?: string[]; url?: string; seconds?: number; concurrency?: number }) => {
    if (msg.payloads) {
      payloads = msg.payloads;
      return;
    }
    const tally: Tally = { requests: 0, errors: 0, seconds: 0, latencies: [] };
    void measureSlice(msg.url!, payloads, msg.seconds!, msg.concurrency!, tally).then(() => process.send!(tally));
  });
  process.on('disconnect', () => process.exit(0));
}

function summarise(target: string, t: Tally): Result {
  const sorted = Float64Array.from(t.latencies).sort();
  return {
    target,
    requests: t.requests,
    errors: t.errors,
    rps: t.requests / t.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: t.latencies.reduce((a, b) => a + b, 0) / Math.max(1, t.latencies.length),
  };
}

const BARE_SERVER = `
const http = require('node:http');
const body = '0.5\\n';
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': body.length, 'x-Amzn-Invoked-Production-Variant': 'Bare' });
    res.end(body);
  });
}).listen(Number(process.argv[1]), '127.0.0.1');
`;

async function main(): Promise<void> {
  const holdout = readFileSync(join(ROOT, 'examples/churn/holdout.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(1).join(','));
  const payloads = Array.from({ length: Math.ceil(holdout.length / ROWS) }, (_, i) =>
    Array.from({ length: ROWS }, (__, k) => holdout[(i * ROWS + k) % holdout.length]).join('\n'),
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-emulator-'));
  mkdirSync(join(dataDir, 'models/churn/challenger'), { recursive: true });
  copyFileSync(
    join(ROOT, 'examples/churn/challenger/model.tar.gz'),
    join(dataDir, 'models/churn/challenger/model.tar.gz'),
  );

  const children: ChildProcess[] = [];
  const stopAll = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  process.once('exit', stopAll);
  try {
    const [emuPort, motoPort, barePort] = [await freePort(), await freePort(), await freePort()];
    const emuUrl = `http://127.0.0.1:${emuPort}`;
    const motoUrl = `http://127.0.0.1:${motoPort}`;
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const tsxCli = require.resolve('tsx/cli');
    children.push(
      await startChild(
        'emulator',
        process.execPath,
        [tsxCli, 'src/cli/main.ts', 'emulator', '--port', String(emuPort), '--data-dir', dataDir],
        answers(`${emuUrl}/health`),
      ),
    );
    // moto is not on every machine (Debian 12 has no package for it): without it the bench measures the other two
    // and says why moto is missing.
    const motoServer = findMotoServer();
    if (motoServer.found) {
      children.push(
        await startChild(
          `moto server ${motoServer.version} (${motoServer.python} -m moto.server)`,
          motoServer.python,
          ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(motoPort)],
          answers(`${motoUrl}/moto-api/`),
        ),
      );
    } else {
      process.stderr.write(`moto: SKIPPED, ${motoServer.reason}\n`);
    }
    children.push(
      await startChild(
        'bare node:http server',
        process.execPath,
        ['-e', BARE_SERVER, String(barePort)],
        answers(bareUrl),
      ),
    );
    await deploy(emuUrl);
    if (motoServer.found) await deploy(motoUrl);

    // Targets take turns in short rounds, so load from anything else on the machine falls on all three alike.
    const targets: [string, string][] = [
      ['emulator', emuUrl],
      ...(motoServer.found ? [['moto', motoUrl] as [string, string]] : []),
      ['bare node:http', bareUrl],
    ];
    const tallies = targets.map((): Tally => ({ requests: 0, errors: 0, seconds: 0, latencies: [] }));
    const workers = WORKERS > 1 ? new LoadWorkers(WORKERS, payloads) : undefined;
    const measure = (url: string, tally: Tally) =>
      workers
        ? workers.measure(url, DURATION_S / ROUNDS, tally)
        : measureSlice(url, payloads, DURATION_S / ROUNDS, CONCURRENCY, tally);
    process.stderr.write(
      `measuring ${targets.length} targets, ${ROUNDS} rounds of ${DURATION_S / ROUNDS} s each, concurrency ${CONCURRENCY} over ${WORKERS} client process(es)\n`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < targets.length; i++) await measure(targets[i][1], tallies[i]);
    }
    workers?.close();
    const results = targets.map(([target], i) => summarise(target, tallies[i]));

    const pad = (s: string, n: number) => s.padStart(n);
    const lines = [
      `InvokeEndpoint, ${ROWS} row(s) per request, concurrency ${CONCURRENCY} over ${WORKERS} client process(es), ` +
        `${DURATION_S} s per target in ${ROUNDS} alternating rounds, same SageMakerRuntimeClient and payloads`,
      `${'target'.padEnd(16)}${pad('requests', 10)}${pad('errors', 8)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('mean ms', 9)}`,
      ...results.map(
        (r) =>
          `${r.target.padEnd(16)}${pad(String(r.requests), 10)}${pad(String(r.errors), 8)}${pad(r.rps.toFixed(0), 10)}` +
          `${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(r.mean.toFixed(2), 9)}`,
      ),
    ];
    const result = (target: string) => results.find((r) => r.target === target);
    const [emu, moto, bare] = [result('emulator')!, result('moto'), result('bare node:http')!];
    lines.push(
      moto
        ? `emulator/moto: ${(emu.rps / moto.rps).toFixed(1)}× throughput, p50 ${(moto.p50 / emu.p50).toFixed(1)}× lower, p99 ${(moto.p99 / emu.p99).toFixed(1)}× lower (goal ≥ 5× throughput: ${emu.rps / moto.rps >= 5 ? 'met' : 'NOT met'})`
        : `emulator/moto: SKIPPED, ${motoServer.found ? '' : motoServer.reason}`,
      `emulator/bare: ${((100 * emu.rps) / bare.rps).toFixed(0)}% of the bare server's throughput, p50 +${(emu.p50 - bare.p50).toFixed(2)} ms`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    if (JSON_OUT)
      process.stdout.write(
        `${JSON.stringify({ concurrency: CONCURRENCY, durationS: DURATION_S, rows: ROWS, results })}\n`,
      );
    if (results.some((r) => r.errors > 0)) process.exitCode = 1;
  } finally {
    stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--load-worker')) {
  runLoadWorker();
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:emulator failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
