// `model-rollout`: the operator CLI. Commands live in ./commands; this file only wires flags to them and turns
// every ending into a documented exit code (docs/cli.md).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { NamespaceNotFoundError } from '@temporalio/client';
import { InvalidInputError } from '../schema';
import { TASK_QUEUE } from '../workflows/shared';
import { createContext, processIo, type CliContext, type CliIo } from './context';
import { DEFAULT_EMULATOR_PORT } from './defaults';
import { CliError, EXIT, exitCodeForError, type ExitCode } from './exit-codes';
import { applyConnectionFlags } from './temporal';
import type { EmulatorFlags } from './commands/runtime';

interface GlobalFlags {
  address?: string;
  namespace?: string;
  identity?: string;
  json?: boolean;
  color?: boolean;
}

function positiveNumber(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number`);
    return n;
  };
}

function wholeNumber(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a whole number, at least 1`);
    return n;
  };
}

interface CapacityFlags {
  baselineInstances?: number;
  updateMinutes?: number;
}

const capacityAssumptions = (o: CapacityFlags) => ({
  ...(o.baselineInstances !== undefined ? { baselineInstances: o.baselineInstances } : {}),
  ...(o.updateMinutes !== undefined ? { updateMinutes: o.updateMinutes } : {}),
});

function profileName(value: string): 'ideal' | 'aws' {
  if (value !== 'ideal' && value !== 'aws') throw new InvalidArgumentError('profile must be "ideal" or "aws"');
  return value;
}

function quota(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^(ml\.[a-z0-9]+\.[a-z0-9]+)=(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('quota must be <instance type>=<whole number>, e.g. ml.m5.xlarge=4');
  return { ...previous, [m[1]]: Number(m[2]) };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('port must be 0..65535');
  return n;
}

export function buildProgram(io: CliIo, setExitCode: (code: ExitCode) => void): Command {
  const program = new Command('model-rollout')
    .description('Roll new ML models out on Amazon SageMaker, driven by a durable Temporal workflow.')
    .option(
      '--address <host:port>',
      'Temporal frontend address (default: env config, TEMPORAL_ADDRESS, localhost:7233)',
    )
    .option('--namespace <name>', 'Temporal namespace (default: env config, TEMPORAL_NAMESPACE, default)')
    .option(
      '--identity <id>',
      'the Temporal identity of our requests, recorded beside --by (default: model-rollout-cli:$USER@$HOST)',
    )
    .option('--json', 'machine-readable output')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (cmd) => applyConnectionFlags(cmd.opts<GlobalFlags>()));

  /** Runs a command with its context and records its exit code. */
  const act =
    <A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<ExitCode> | ExitCode) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const ctx = createContext(io, command.optsWithGlobals<GlobalFlags>());
      setExitCode(await fn(ctx, ...(args.slice(0, -1) as A)));
    };
  const taskQueue = () => new Option('--task-queue <name>', 'task queue the rollout workers poll').default(TASK_QUEUE);
  const baselineInstances = () =>
    new Option('--baseline-instances <n>', "the baseline's instances, for the capacity plan").argParser(
      wholeNumber('baseline-instances'),
    );
  const updateMinutes = () =>
    new Option('--update-minutes <m>', 'how long an endpoint update takes, for the capacity plan').argParser(
      positiveNumber('update-minutes'),
    );
  // Loaded on first use so `--help` and `validate` stay quick. require, not import(): the bin shim registers tsx
  // for CommonJS only, and a dynamic import() would go through Node's ESM loader, which cannot load .ts.
  const commands = {
    spec: async () => require('./commands/spec') as typeof import('./commands/spec'),
    watch: async () => require('./commands/watch') as typeof import('./commands/watch'),
    status: async () => require('./commands/status') as typeof import('./commands/status'),
    signals: async () => require('./commands/signals') as typeof import('./commands/signals'),
    list: async () => require('./commands/list') as typeof import('./commands/list'),
    runtime: async () => require('./commands/runtime') as typeof import('./commands/runtime'),
    report: async () => require('./report/command') as typeof import('./report/command'),
    dashboard: async () => require('./dashboard/command') as typeof import('./dashboard/command'),
  };

  program
    .command('start')
    .description('validate a rollout spec and start its rollout (workflow rollout-<endpoint>)')
    .argument('<spec.json>', 'rollout spec file')
    .addOption(taskQueue())
    .option('--watch', 'then watch it until it ends (exit code as for watch)')
    .option('--interval <seconds>', 'refresh interval with --watch', positiveNumber('interval'), 1)
    .addOption(baselineInstances())
    .addOption(updateMinutes())
    .action(
      act(async (ctx, file: string, o: { taskQueue: string; watch?: boolean; interval: number } & CapacityFlags) =>
        (await commands.spec()).startCommand(ctx, file, {
          taskQueue: o.taskQueue,
          watch: o.watch,
          interval: o.interval * 1000,
          ...capacityAssumptions(o),
        }),
      ),
    );
  program
    .command('validate')
    .description('check a rollout spec and print it with defaults filled in, and its capacity plan')
    .argument('<spec.json>')
    .addOption(baselineInstances())
    .addOption(updateMinutes())
    .action(
      act(async (ctx, file: string, o: CapacityFlags) =>
        (await commands.spec()).validateCommand(ctx, file, capacityAssumptions(o)),
      ),
    );
  program
    .command('schema')
    .description('print the JSON Schema of the rollout spec')
    .action(act(async (ctx) => (await commands.spec()).schemaCommand(ctx)));
  program
    .command('status')
    .description("show a rollout's phase, weights, guardrails and pending approval")
    .argument('<endpoint>')
    .action(act(async (ctx, ep: string) => (await commands.status()).statusCommand(ctx, ep)));
  program
    .command('watch')
    .description('follow a rollout live until it ends; exit 0 promoted, 3 rolled back, 4 failed')
    .argument('<endpoint>')
    .option('--interval <seconds>', 'refresh interval', positiveNumber('interval'), 1)
    .action(
      act(async (ctx, ep: string, o: { interval: number }) =>
        (await commands.watch()).watchCommand(ctx, ep, { intervalMs: o.interval * 1000 }),
      ),
    );
  for (const [name, description] of [
    ['approve', 'approve the step waiting for approval'],
    ['rollback', 'roll the candidate back now (needs --reason)'],
    ['pause', 'hold the rollout at its current step'],
    ['resume', 'continue a paused rollout'],
  ] as const) {
    const cmd = program
      .command(name)
      .description(description)
      .argument('<endpoint>')
      .requiredOption('--by <who>', 'who you are (user name or e-mail), for the audit trail')
      .option('--signal', 'send a signal instead of an update (works with no worker running; no answer)');
    if (name !== 'resume') cmd.option('--reason <why>', name === 'rollback' ? 'why (required)' : 'why');
    cmd.action(
      act(async (ctx, ep: string, o: { by?: string; reason?: string; signal?: boolean }) =>
        (await commands.signals()).signalCommand(ctx, name, ep, o),
      ),
    );
  }
  program
    .command('list')
    .description('running and recent rollouts (Temporal visibility)')
    .option('--running', 'only running rollouts')
    .option('--limit <n>', 'at most this many', positiveNumber('limit'), 20)
    .action(
      act(async (ctx, o: { running?: boolean; limit: number }) =>
        (await commands.list()).listCommand(ctx, { running: o.running, limit: Math.floor(o.limit) }),
      ),
    );
  program
    .command('result')
    .description('wait for a rollout to end and print its result; exit 0 promoted, 3 rolled back, 4 failed')
    .argument('<endpoint>')
    .action(act(async (ctx, ep: string) => (await commands.status()).resultCommand(ctx, ep)));
  program
    .command('report')
    .description('write an HTML report with charts (and PNG images of them) for a rollout')
    .argument('<endpoint>')
    .option('--out <dir>', 'output directory (default: rollout-report-<endpoint>)')
    .option('--no-png', 'skip the PNG images (they need Chromium)')
    .action(
      act(async (ctx, ep: string, o: { out?: string; png: boolean }) =>
        (await commands.report()).reportCommand(ctx, ep, { out: o.out, png: o.png }),
      ),
    );
  program
    .command('dashboard')
    .description('serve a live dashboard of every rollout, with approve, roll back, pause and resume buttons')
    .option('--port <port>', 'port to listen on (0: any free port)', port, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--as <who>', 'take every action as this operator (default: the page asks for a name)')
    .option(
      '--user-header <name>',
      'take every action as the user an authenticating proxy names in this header (e.g. X-Forwarded-Email)',
    )
    .action(
      act(async (ctx, o: { port: number; host: string; as?: string; userHeader?: string }) =>
        (await commands.dashboard()).dashboardCommand(ctx, o),
      ),
    );
  program
    .command('worker')
    .description('run a rollout worker (Temporal from env config, AWS from the default chain and AWS_ENDPOINT_URL)')
    .addOption(taskQueue())
    .action(
      act(async (ctx, o: { taskQueue: string }) =>
        (await commands.runtime()).workerCommand(ctx, { taskQueue: o.taskQueue }),
      ),
    );
  program
    .command('emulator')
    .description('run the local SageMaker + CloudWatch emulator (GET /health answers 200 when ready)')
    .option('--port <port>', 'port to listen on', port, DEFAULT_EMULATOR_PORT)
    .option('--host <host>', 'interface to listen on')
    .requiredOption('--data-dir <dir>', 'where models, data and state live (s3://bucket/key → <dir>/bucket/key)')
    .option('--config <file.json>', 'emulator settings (e.g. fault injection)')
    .option('--seed-demo', 'copy the churn demo models and data in, and create endpoint "churn" (variant Champion)')
    .option(
      '--profile <ideal|aws>',
      'aws: behave as AWS documents (IAM, consistency windows, fleets, quotas, autoscaling, CloudWatch lag); ideal: instant and kind (default)',
      profileName,
    )
    .option(
      '--time-scale <factor>',
      "multiply AWS's durations in the aws profile (0.01: a 6-minute fleet in 3.6 s)",
      positiveNumber('--time-scale'),
    )
    .option(
      '--iam-policy <file.json>',
      'the IAM policy callers are bound by in the aws profile (default: deploy/iam-policy.json)',
    )
    .option(
      '--quota <type=n>',
      'instances of a type the account may run for endpoints (repeatable): ml.m5.xlarge=4',
      quota,
      {},
    )
    .action(act(async (ctx, o: EmulatorFlags) => (await commands.runtime()).emulatorCommand(ctx, o)));
  return program;
}

function errorMessage(err: unknown): string {
  if (err instanceof CliError || err instanceof InvalidInputError) return err.message;
  if (err instanceof NamespaceNotFoundError) return `${err.message}: check --namespace / TEMPORAL_NAMESPACE`;
  if (err instanceof Error) return process.env.MODEL_ROLLOUT_DEBUG ? (err.stack ?? err.message) : err.message;
  return String(err);
}

/** Runs the CLI and returns its exit code (the bin shim exits with it). */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with 0; every other parse problem is a usage mistake.
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    io.stderr.write(`error: ${errorMessage(err)}\n`);
    if (err instanceof NamespaceNotFoundError) return EXIT.badInput;
    return exitCodeForError(err);
  }
}

if (require.main === module) {
  void run(process.argv).then((code) => process.exit(code));
}
