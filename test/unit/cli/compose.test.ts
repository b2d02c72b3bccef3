// Docker is not on these machines, so the compose stack is checked against the code's own defaults: what the
// worker reads from its environment, the task queue, the emulator's port and health route.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { createAwsClients } from '../../../src/activities/clients';
import { searchAttributeFlags } from '../../../src/local/dev-server';
import { DEFAULT_EMULATOR_PORT, TEMPORAL_DEV_PORT, TEMPORAL_DEV_UI_PORT } from '../../../src/cli/defaults';
import { buildProgram } from '../../../src/cli/main';
import { temporalConnectConfig } from '../../../src/worker/connection';
import { TASK_QUEUE } from '../../../src/workflows/shared';

const root = resolve(__dirname, '../../..');
interface Service {
  image?: string;
  build?: string;
  command: string[];
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  init?: boolean;
}
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { temporal, emulator, worker } = compose.services;
const flag = (cmd: string[], name: string) => cmd[cmd.indexOf(name) + 1];

/** The option defaults our own CLI declares, so compose and `model-rollout --help` cannot drift apart. */
function cliDefault(command: string, option: string): unknown {
  const program = buildProgram({ stdout: process.stdout, stderr: process.stderr, env: {} }, () => undefined);
  const cmd = program.commands.find((c) => c.name() === command)!;
  return cmd.options.find((o) => o.long === option)!.defaultValue;
}

describe('docker-compose.yml', () => {
  it('runs a Temporal dev server reachable from other containers, with its Web UI, on the standard ports', () => {
    expect(temporal.image).toMatch(/^temporalio\/(temporal|admin-tools):/);
    expect(temporal.command.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(flag(temporal.command, '--ip')).toBe('0.0.0.0');
    expect(temporal.command).not.toContain('--headless');
    expect(temporal.ports).toEqual([
      `${TEMPORAL_DEV_PORT}:${TEMPORAL_DEV_PORT}`,
      `${TEMPORAL_DEV_UI_PORT}:${TEMPORAL_DEV_UI_PORT}`,
    ]);
    expect(flag(temporal.command, '--port')).toBe(String(TEMPORAL_DEV_PORT));
    expect(flag(temporal.command, '--ui-port')).toBe(String(TEMPORAL_DEV_UI_PORT));
    // the search attributes the workflow upserts, as the test dev server registers them
    for (const flag of searchAttributeFlags()) expect(temporal.command).toContain(flag);
  });

  it('runs the emulator on its default port, on all interfaces, seeded, with a /health check', () => {
    expect(cliDefault('emulator', '--port')).toBe(DEFAULT_EMULATOR_PORT);
    expect(emulator.build).toBe('.');
    expect(emulator.command[0]).toBe('emulator');
    expect(flag(emulator.command, '--port')).toBe(String(DEFAULT_EMULATOR_PORT));
    expect(flag(emulator.command, '--host')).toBe('0.0.0.0');
    expect(emulator.command).toContain('--seed-demo');
    expect(cliDefault('emulator', '--seed-demo')).toBeUndefined(); // the flag exists (and is off by default)
    const dataDir = flag(emulator.command, '--data-dir');
    expect(emulator.volumes).toEqual([`emulator-data:${dataDir}`]);
    expect(emulator.ports).toEqual([`${DEFAULT_EMULATOR_PORT}:${DEFAULT_EMULATOR_PORT}`]);
    expect(emulator.healthcheck!.test.join(' ')).toContain(`http://localhost:${DEFAULT_EMULATOR_PORT}/health`);
  });

  it('runs the worker on the task queue rollouts start on, after both are healthy', () => {
    expect(worker.command).toEqual(['worker', '--task-queue', TASK_QUEUE]);
    expect(cliDefault('worker', '--task-queue')).toBe(TASK_QUEUE);
    expect(worker.image).toBe(emulator.image);
    expect([worker.init, emulator.init]).toEqual([true, true]);
    expect(worker.depends_on).toEqual({
      temporal: { condition: 'service_healthy' },
      emulator: { condition: 'service_healthy' },
    });
  });

  describe("the worker's environment, read by the code that reads it", () => {
    const saved = { ...process.env };
    beforeAll(() => {
      for (const name of Object.keys(process.env)) {
        if (/^(TEMPORAL_|AWS_)/.test(name)) delete process.env[name];
      }
      Object.assign(process.env, worker.environment);
    });
    afterAll(() => {
      process.env = saved;
    });

    it('points Temporal at the temporal service', () => {
      const config = temporalConnectConfig();
      expect(config.connectionOptions.address).toBe(`temporal:${TEMPORAL_DEV_PORT}`);
      expect(config.namespace).toBe('default');
    });

    it('points every AWS client at the emulator service with the region and credentials given', async () => {
      const sm = createAwsClients().sagemaker();
      expect(await sm.config.region()).toBe(worker.environment!.AWS_REGION);
      const credentials = await sm.config.credentials();
      expect(credentials.accessKeyId).toBe(worker.environment!.AWS_ACCESS_KEY_ID);
      // Where a real request would go: stop it in the SDK's last middleware step and look at its target.
      let target = '';
      sm.middlewareStack.add(
        (_next) => async (args) => {
          const request = args.request as { protocol: string; hostname: string; port?: number };
          target = `${request.protocol}//${request.hostname}:${request.port}`;
          throw new Error('not sent');
        },
        { step: 'finalizeRequest', name: 'captureTarget' },
      );
      await expect(sm.send(new DescribeEndpointCommand({ EndpointName: 'churn' }))).rejects.toThrow('not sent');
      expect(target).toBe(`http://emulator:${DEFAULT_EMULATOR_PORT}`);
      expect(worker.environment!.AWS_ENDPOINT_URL).toBe(target);
    });
  });

  it('builds our image from node:24-bookworm-slim (the Node LTS the project runs on) and runs the CLI with npx', () => {
    const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24-bookworm-slim$/m);
    expect(dockerfile).toMatch(/RUN npm ci /);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["npx", "--offline", "model-rollout"\]$/m);
    const ignored = readFileSync(resolve(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('node_modules');
    for (const needed of ['src', 'bin', 'examples', 'package.json', 'package-lock.json']) {
      expect(ignored).not.toContain(needed);
    }
  });
});
