// `validate`, `schema` and `start`: everything that reads a rollout spec file.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidInputError, parseSpec, rolloutSpecJsonSchema, type RolloutSpec } from '../../schema';
import { capacityPlan, describeCapacityPlan, DEFAULT_UPDATE_MINUTES, type CapacityPlan } from '../../schema/capacity';
import { bakePlan } from '../../schema/phases';
import { TASK_QUEUE, WORKFLOW_TYPE, rolloutWorkflowId } from '../../workflows/shared';
import type { CliContext } from '../context';
import { EXIT, badInput, type ExitCode } from '../exit-codes';
import { WorkflowExecutionAlreadyStartedError, connectTemporal, uiLink, type CliTemporal } from '../temporal';
import { shellQuote } from '../view/format';
import { watchRollout } from './watch';

function readSpecFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badInput(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badInput(`${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Parses the spec file, or throws the field-by-field errors (exit 2) naming the file. */
function loadSpec(path: string): { input: unknown; spec: RolloutSpec } {
  const input = readSpecFile(path);
  try {
    return { input, spec: parseSpec(input) };
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(`rollout spec in ${path}`, err.issues);
    throw err;
  }
}

/** What the CLI assumes of the endpoint, which it does not ask AWS about. */
export interface CapacityAssumptions {
  /** The baseline's instances (default: candidate.instanceCount, else 1). */
  baselineInstances?: number;
  /** How long an endpoint update takes, in minutes. */
  updateMinutes?: number;
}

/**
 * The spec's capacity plan (src/schema/capacity.ts) for a baseline of the given size, with the lines that say so; none
 * for a first deployment (one variant, no A/B update). The rollout itself plans with the baseline's live count and
 * records the plan as a `capacity` decision; an autoscaled baseline keeps both variants at full size.
 */
export function specCapacity(
  spec: RolloutSpec,
  assume: CapacityAssumptions = {},
): { plan: CapacityPlan; baselineInstances: number; candidateInstances: number; lines: string[] } | null {
  if (!spec.baseline) return null;
  const baselineInstances = assume.baselineInstances ?? spec.candidate.instanceCount ?? 1;
  const input = {
    baselineInstances,
    candidateInstances: spec.candidate.instanceCount ?? baselineInstances,
    followWeights: spec.capacity.followWeights ?? true,
    steps: spec.steps,
    updateMinutes: assume.updateMinutes ?? DEFAULT_UPDATE_MINUTES,
    ...bakePlan(spec, baselineInstances),
  };
  const plan = capacityPlan(input);
  const assumed =
    assume.baselineInstances === undefined
      ? `  (assuming a baseline of ${baselineInstances} instance(s): give --baseline-instances <n> for yours; the rollout plans with its live count, and an autoscaled baseline keeps both variants at full size)`
      : '  (the rollout plans with the baseline’s live count; an autoscaled baseline keeps both variants at full size)';
  return {
    plan,
    baselineInstances,
    candidateInstances: input.candidateInstances,
    lines: [...describeCapacityPlan(input, plan), assumed],
  };
}

export function validateCommand(ctx: CliContext, path: string, assume: CapacityAssumptions = {}): ExitCode {
  let spec: RolloutSpec;
  try {
    spec = loadSpec(path).spec;
  } catch (err) {
    if (ctx.json && err instanceof InvalidInputError) {
      ctx.printJson({ valid: false, errors: err.issues });
      return EXIT.badInput;
    }
    throw err;
  }
  const capacity = specCapacity(spec, assume);
  if (ctx.json) {
    ctx.printJson({ valid: true, spec, ...(capacity ? { capacity: capacityJson(capacity) } : {}) });
  } else {
    ctx.note(
      `${path}: valid rollout spec for endpoint "${spec.endpointName}" (${spec.steps.length} steps). With defaults filled in:`,
    );
    ctx.printJson(spec);
    if (capacity) ctx.note(capacity.lines);
  }
  return EXIT.ok;
}

function capacityJson(c: NonNullable<ReturnType<typeof specCapacity>>) {
  return {
    baselineInstances: c.baselineInstances,
    candidateInstances: c.candidateInstances,
    peakInstances: c.plan.peak.instances,
    peakDuring: c.plan.peak.during,
    rollbackPeakInstances: c.plan.rollbackPeak,
    instanceHours: c.plan.instanceHours,
    fixedDouble: c.plan.fixedDouble,
    phases: c.plan.phases,
  };
}

export function schemaCommand(ctx: CliContext): ExitCode {
  ctx.printJson(rolloutSpecJsonSchema());
  return EXIT.ok;
}

/** The `temporal workflow start` a user could type instead: the workflow validates the same spec itself. */
export function temporalStartCommand(opts: {
  specPath: string;
  endpointName: string;
  taskQueue: string;
  address: string;
  namespace: string;
}): string {
  const args = [
    'temporal workflow start',
    `--type ${WORKFLOW_TYPE}`,
    `--task-queue ${shellQuote(opts.taskQueue)}`,
    `--workflow-id ${shellQuote(rolloutWorkflowId(opts.endpointName))}`,
    `--input-file ${shellQuote(opts.specPath)}`,
  ];
  if (!/^(localhost|127\.0\.0\.1):7233$/.test(opts.address)) args.push(`--address ${shellQuote(opts.address)}`);
  if (opts.namespace !== 'default') args.push(`--namespace ${shellQuote(opts.namespace)}`);
  return args.join(' ');
}

export interface StartOptions extends CapacityAssumptions {
  taskQueue?: string;
  watch?: boolean;
  interval?: number;
}

export async function startCommand(ctx: CliContext, path: string, opts: StartOptions): Promise<ExitCode> {
  // Validate before connecting: a typo should not need a running Temporal to be found.
  const { input, spec } = loadSpec(path);
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const t = await connectTemporal();
  try {
    return await startRollout(ctx, t, { path, input, spec, taskQueue, ...opts });
  } finally {
    await t.close();
  }
}

async function startRollout(
  ctx: CliContext,
  t: CliTemporal,
  opts: StartOptions & { path: string; input: unknown; spec: RolloutSpec; taskQueue: string },
): Promise<ExitCode> {
  const { spec, taskQueue } = opts;
  const workflowId = rolloutWorkflowId(spec.endpointName);
  const ep = shellQuote(spec.endpointName);
  let runId: string;
  try {
    // The spec goes in as written (not normalised) so the history shows what the user asked for.
    const handle = await t.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [opts.input],
      memo: { endpointName: spec.endpointName, phase: 'preflight', step: 0 },
    });
    runId = handle.firstExecutionRunId;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw badInput(
        `a rollout is already running on endpoint "${spec.endpointName}" (workflow ${workflowId}): one rollout per endpoint at a time.\n` +
          `Watch it with \`${ctx.cli} watch ${ep}\`, or stop it with \`${ctx.cli} rollback ${ep} --by <you> --reason "<why>"\`.`,
      );
    }
    throw err;
  }
  const temporalCommand = temporalStartCommand({
    specPath: opts.path,
    endpointName: spec.endpointName,
    taskQueue,
    address: t.address,
    namespace: t.namespace,
  });
  const ui = uiLink(t.address, t.namespace, workflowId, runId);
  const capacity = specCapacity(spec, opts);
  if (ctx.json) {
    ctx.printJson({
      workflowId,
      runId,
      taskQueue,
      namespace: t.namespace,
      temporalCommand,
      uiUrl: ui,
      ...(capacity ? { capacity: capacityJson(capacity) } : {}),
    });
  } else {
    ctx.out([
      `Started the rollout of ${spec.candidate.modelName} on endpoint "${spec.endpointName}" from ${basename(opts.path)}.`,
      `  workflow:   ${workflowId} (run ${runId})`,
      `  task queue: ${taskQueue} on ${t.address}, namespace ${t.namespace}`,
      ...(ui ? [`  Temporal UI: ${ui}`] : []),
      ...(capacity ? ['', ...capacity.lines] : []),
      '',
      'The same start with the Temporal CLI:',
      `  ${temporalCommand}`,
      '',
      `Watch it: ${ctx.cli} watch ${ep}`,
    ]);
  }
  if (!opts.watch) return EXIT.ok;
  return await watchRollout(ctx, t, spec.endpointName, { intervalMs: opts.interval });
}
