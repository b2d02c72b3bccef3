// bench:scale — N concurrent rollouts (each on its own emulator endpoint, short soaks, live-traffic mode) on ONE
// worker process. Prints completion rate, time per step against the endpoint's own update delay (the orchestration
// overhead), worker CPU and peak RSS, workflow history length per rollout and AWS calls per evaluation.
//
//   npm run bench:scale                      # N = 10, 100, 1000 on one worker, then 1000 on two workers
//   npm run bench:scale -- --n 10,100 --workers 1
//   npm run bench:scale -- --n 300 --workers 1 --profile /tmp/prof   # worker CPU profiles
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand } from '@aws-sdk/client-sagemaker';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SHARED_WORKFLOW_MODULES, WORKFLOW_INTERCEPTOR_MODULES } from '../src/worker/shared-modules';
import { resolveTemporalPath, startDevServer } from '../src/local/dev-server';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_CREDENTIALS,
  emulatorSageMaker,
  stageDemoData,
  waitInService,
} from '../src/local/local-stack';
import { startEmulator } from '../src/emulator';
import { EmulatorAdmin } from '../src/emulator/admin-client';
import type { RolloutResult } from '../src/workflows/shared';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SIZES = flag('n', '10,100,1000').split(',').map(Number);
const WORKERS = flag('workers', '1,2').split(',').map(Number);
const SOAK_S = Number(flag('soak', '5'));
const UPDATE_MS = Number(flag('update-ms', '1000'));
/** Write the worker's CPU profiles (main and workflow threads) here, for Chrome DevTools. */
const PROFILE_DIR = flag('profile', '');
/** Worker tuning under test, passed as the MODEL_ROLLOUT_* env a deployment would set ('' = SDK default). */
const TUNING: Record<string, string> = {
  MODEL_ROLLOUT_MAX_CACHED_WORKFLOWS: flag('cache', ''),
  MODEL_ROLLOUT_MAX_CONCURRENT_ACTIVITIES: flag('activities', ''),
  MODEL_ROLLOUT_MAX_CONCURRENT_LOCAL_ACTIVITIES: flag('local-activities', ''),
  MODEL_ROLLOUT_MAX_CONCURRENT_WORKFLOW_TASKS: flag('workflow-tasks', ''),
  // V8's old-space cap: without one V8 lets garbage pile up far past the live set before collecting it.
  NODE_OPTIONS: [flag('heap-mb', '') && `--max-old-space-size=${flag('heap-mb', '')}`, flag('node-options', '')]
    .filter(Boolean)
    .join(' '),
};

interface Sample {
  cpuSeconds: number;
  peakRssMb: number;
}

/** CPU time (user+sys) of a process from /proc, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz on Linux)
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

interface WorkerMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}
/** Each worker's memory at its RSS peak, as it reports it (main thread's V8 heap vs the rest of the process). */
const peakMemory = new Map<ChildProcess, WorkerMemory>();

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      '--require',
      require.resolve('tsx/cjs'),
      join(__dirname, '../test/harness/worker-child.ts'),
    ],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      const text = String(d);
      if (text.includes('worker ready')) resolve(child);
      for (const m of text.matchAll(/^memory (\{.*\})$/gm)) {
        const at = JSON.parse(m[1]) as WorkerMemory;
        if (at.rss > (peakMemory.get(child)?.rss ?? 0)) peakMemory.set(child, at);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'model-rollout-bench-'));
  const server = await startDevServer({ temporalPath: resolveTemporalPath(), headless: true });
  const data = stageDemoData(dir);
  const emulator = await startEmulator({
    port: 0,
    dataDir: dir,
    config: { delays: { createMs: 500, updateMs: UPDATE_MS, deleteMs: 200 }, requestLogLimit: 2_000_000 },
  });
  const admin = new EmulatorAdmin(emulator.url);
  const sm = emulatorSageMaker(emulator.url);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    preloadModules: SHARED_WORKFLOW_MODULES, // as the worker bundles itself
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: silent,
  });
  const bundlePath = join(dir, 'bundle.js');
  writeFileSync(bundlePath, code);
  const rows: string[][] = [];
  console.log(
    `dev server ${server.address}, emulator ${emulator.url}; update delay ${UPDATE_MS} ms, soak ${SOAK_S} s, 2 steps per rollout`,
  );

  let run = 0;
  for (const workers of WORKERS) {
    for (const n of workers === 1 ? SIZES : [Math.max(...SIZES)]) {
      run++;
      const taskQueue = `bench-${run}`;
      const endpoints = Array.from({ length: n }, (_, i) => `bench${run}-ep${i}`);
      process.stdout.write(`\n[N=${n}, workers=${workers}] seeding ${n} endpoints… `);
      await mapLimit(endpoints, 50, (ep) => seed(sm, ep, data.modelUrl('champion')));
      await admin.clearRequests();
      const procs = await Promise.all(
        Array.from({ length: workers }, () =>
          startWorker({
            TEMPORAL_ADDRESS: server.address,
            AWS_ENDPOINT_URL: emulator.url,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
            MODEL_ROLLOUT_TASK_QUEUE: taskQueue,
            MODEL_ROLLOUT_WORKFLOW_BUNDLE: bundlePath,
            MODEL_ROLLOUT_POLL_MS: '250',
            MODEL_ROLLOUT_REPORT_MEMORY_MS: '500',
            ...TUNING,
          }),
        ),
      );
      const cpu0 = procs.map((p) => cpuSeconds(p.pid!));
      // The other two parts that could be the bottleneck: the Temporal dev server and the emulator (this process).
      // (the watchdog shell's command line holds the same words: keep the process that IS the temporal binary)
      const serverPid = execFileSync('pgrep', ['-f', `start-dev --ip 127.0.0.1 --port ${server.port} `])
        .toString()
        .split('\n')
        .map(Number)
        .find((pid) => pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'temporal')!;
      const serverCpu0 = cpuSeconds(serverPid);
      const emulatorCpu0 = process.cpuUsage();
      const peak: Sample[] = procs.map(() => ({ cpuSeconds: 0, peakRssMb: 0 }));
      const sampler = setInterval(
        () => procs.forEach((p, i) => (peak[i].peakRssMb = Math.max(peak[i].peakRssMb, rssMb(p.pid!)))),
        250,
      );
      process.stdout.write('starting rollouts… ');
      const t0 = Date.now();
      const handles = await mapLimit(endpoints, 100, (ep) =>
        client.workflow.start('modelRollout', {
          taskQueue,
          workflowId: `rollout-${ep}`,
          args: [
            {
              endpointName: ep,
              baseline: { variantName: 'Champion' },
              candidate: {
                variantName: 'Challenger',
                modelName: `${ep}-v2`,
                image: DEMO_IMAGE,
                modelDataUrl: data.modelUrl('challenger'),
                executionRoleArn: DEMO_ROLE,
              },
              steps: [
                { candidateWeight: 50, soak: `${SOAK_S}s`, maxSoak: `${SOAK_S}s` },
                { candidateWeight: 100, soak: `${SOAK_S}s`, maxSoak: `${SOAK_S}s` },
              ],
              evaluation: { interval: `${SOAK_S}s`, metricPeriod: '1s', settleDelay: '0s', onInconclusive: 'pass' },
            },
          ],
        }),
      );
      /** Why rollouts were not promoted, counted once per distinct reason (endpoint names folded). */
      const failures = new Map<string, number>();
      const countFailure = (why: string) => {
        const reason = why.replace(/bench\d+-ep\d+/g, '<endpoint>');
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      };
      const results = await Promise.all(
        handles.map((h) =>
          h.result().then(
            (r) => r as RolloutResult,
            (err: Error) => {
              countFailure((err.cause instanceof Error ? err.cause : err).message);
              return null;
            },
          ),
        ),
      );
      const wall = (Date.now() - t0) / 1000;
      clearInterval(sampler);
      procs.forEach((p, i) => (peak[i].cpuSeconds = cpuSeconds(p.pid!) - cpu0[i]));
      const serverCores = (cpuSeconds(serverPid) - serverCpu0) / wall;
      const used = process.cpuUsage(emulatorCpu0);
      const emulatorCores = (used.user + used.system) / 1e6 / wall;
      const histories = await mapLimit(handles.slice(0, 50), 10, async (h) => (await h.describe()).historyLength);
      // What one rollout's history is made of: workflow tasks and markers are what the worker and server pay for.
      const eventTypes = new Map<string, number>();
      for (const e of (await handles[0].fetchHistory()).events ?? []) {
        const type =
          Object.keys(e)
            .find((k) => k.endsWith('EventAttributes'))
            ?.replace(/EventAttributes$/, '') ?? '?';
        eventTypes.set(type, (eventTypes.get(type) ?? 0) + 1);
      }
      const log = await admin.requests();
      await Promise.all(procs.map((p) => new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')))));

      const ok = results.filter((r) => r?.outcome === 'promoted');
      const stepMs = ok.flatMap((r) => r!.steps.map((s) => Date.parse(s.endedAt!) - Date.parse(s.startedAt)));
      const ideal = UPDATE_MS + SOAK_S * 1000; // the endpoint's own weight update + the soak itself
      const evaluations = ok.reduce((sum, r) => sum + r!.steps.reduce((a, s) => a + s.evaluations, 0), 0);
      const byOperation = new Map<string, number>();
      for (const e of log) byOperation.set(e.operation, (byOperation.get(e.operation) ?? 0) + 1);
      const metricCalls = log.filter((e) => e.operation === 'GetMetricData').length;
      rows.push([
        String(n),
        String(workers),
        `${((100 * ok.length) / n).toFixed(1)}%`,
        `${wall.toFixed(1)} s`,
        `${(pct(stepMs, 50) / 1000).toFixed(2)} / ${(pct(stepMs, 99) / 1000).toFixed(2)} s`,
        `${((pct(stepMs, 50) / ideal - 1) * 100).toFixed(1)}% / ${((pct(stepMs, 99) / ideal - 1) * 100).toFixed(1)}%`,
        peak.map((p) => `${(p.cpuSeconds / wall).toFixed(2)}`).join('+'),
        serverCores.toFixed(2),
        emulatorCores.toFixed(2),
        peak.map((p) => `${p.peakRssMb.toFixed(0)}`).join('+'),
        String(pct(histories, 50)),
        (metricCalls / Math.max(1, evaluations)).toFixed(2),
      ]);
      process.stdout.write(`done in ${wall.toFixed(1)} s`);
      process.stdout.write(
        `\n  AWS calls per rollout: ${[...byOperation].map(([op, k]) => `${op} ${(k / n).toFixed(1)}`).join(', ')}`,
      );
      process.stdout.write(
        `\n  one rollout's history: ${[...eventTypes].map(([type, k]) => `${type} ${k}`).join(', ')}`,
      );
      for (const r of results) if (r && r.outcome !== 'promoted') countFailure(r.reason);
      for (const p of procs) {
        const m = peakMemory.get(p);
        const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
        if (m) {
          process.stdout.write(
            `\n  worker memory at its peak: RSS ${mb(m.rss)} = main-thread V8 heap ${mb(m.heapTotal)} (${mb(m.heapUsed)} ` +
              `live) + external ${mb(m.external)} + the rest ${mb(m.rss - m.heapTotal - m.external)} (the workflow ` +
              `thread's heap with every cached rollout, Temporal's core, code)`,
          );
        }
      }
      for (const [why, k] of failures) process.stdout.write(`\n  ${k} not promoted: ${why}`);
    }
  }
  console.log('\n');
  const header = [
    'N',
    'workers',
    'completed',
    'wall',
    'step p50 / p99',
    'overhead p50 / p99',
    'worker CPU (cores)',
    'dev server CPU',
    'emulator CPU',
    'worker peak RSS (MB)',
    'history events',
    'GetMetricData per evaluation',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  rows.forEach((r) => console.log(line(r)));
  const tuning = Object.entries(TUNING).filter(([, v]) => v !== '');
  console.log(`\nworker tuning: ${tuning.length ? tuning.map(([k, v]) => `${k}=${v}`).join(' ') : 'defaults'}`);
  console.log(
    `ideal step = endpoint update delay ${UPDATE_MS} ms + soak ${SOAK_S} s; overhead = step time / ideal − 1`,
  );

  await connection.close();
  await emulator.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function seed(sm: ReturnType<typeof emulatorSageMaker>, ep: string, modelDataUrl: string): Promise<void> {
  await sm.send(
    new CreateModelCommand({
      ModelName: `${ep}-v1`,
      ExecutionRoleArn: DEMO_ROLE,
      PrimaryContainer: { Image: DEMO_IMAGE, ModelDataUrl: modelDataUrl },
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${ep}-initial`,
      ProductionVariants: [
        {
          VariantName: 'Champion',
          ModelName: `${ep}-v1`,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: ep, EndpointConfigName: `${ep}-initial` }));
  await waitInService(sm, ep, 120_000);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
