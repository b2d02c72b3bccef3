// Who sent a signal or update, as Temporal recorded it: the `identity` of the client that called
// SignalWorkflowExecution or UpdateWorkflowExecution (the TypeScript client's `identity` option, the temporal CLI's
// `--identity`, by default "temporal-cli:$USER@$HOST"). It is what the Web UI shows beside the event.
//
// The TypeScript SDK 1.24 gives a handler neither (currentUpdateInfo() holds only the update's id and name, and the
// inbound interceptors see the name, arguments and headers), but Core delivers it with every job
// (`SignalWorkflow.identity`, `DoUpdate.meta.identity` in sdk-core's workflow_activation.proto), and the documented
// internals interceptor sees the activation's jobs. So that interceptor copies the identity into the job's headers
// under a name of ours, overwriting whatever a client put there, and the inbound interceptors hold it while the
// handler (or the update's validator) runs. The worker registers this module (WORKFLOW_INTERCEPTOR_MODULES).
import {
  defaultPayloadConverter,
  type Next,
  type SignalInput,
  type UpdateInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowInternalsInterceptor,
} from '@temporalio/workflow';

/** The header the sender's identity travels in, from the activation's job to the handler. */
export const SENDER_HEADER = 'model-rollout-sender-identity';

type Headers = SignalInput['headers'];
type Job = { signalWorkflow?: JobOf; doUpdate?: JobOf & { meta?: { identity?: string | null } | null } };
type JobOf = { identity?: string | null; headers?: Headers | null };

let current: string | undefined;

/** The identity of the client whose signal or update is being handled right now; undefined elsewhere. */
export function currentSender(): string | undefined {
  return current;
}

function stamp(job: JobOf, identity: string | null | undefined): void {
  // Replaced, not written into: a job without headers shares protobuf's frozen default object.
  const headers: Record<string, unknown> = { ...(job.headers ?? {}) };
  delete headers[SENDER_HEADER];
  if (identity) headers[SENDER_HEADER] = defaultPayloadConverter.toPayload(identity);
  job.headers = headers as Headers;
}

function senderOf(headers: Headers): string | undefined {
  const payload = headers[SENDER_HEADER];
  const value = payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Runs a handler (or validator) with its sender's identity at hand; handlers read it before their first await. */
function withSender<T>(headers: Headers, run: () => T): T {
  current = senderOf(headers);
  try {
    return run();
  } finally {
    current = undefined;
  }
}

const internals: WorkflowInternalsInterceptor = {
  activate(input, next) {
    for (const job of input.activation.jobs ?? []) {
      const j = job as Job;
      if (j.signalWorkflow) stamp(j.signalWorkflow, j.signalWorkflow.identity);
      if (j.doUpdate) stamp(j.doUpdate, j.doUpdate.meta?.identity);
    }
    next(input);
  },
};

const inbound: WorkflowInboundCallsInterceptor = {
  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
    return withSender(input.headers, () => next(input));
  },
  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>) {
    withSender(input.headers, () => next(input));
  },
  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) {
    return withSender(input.headers, () => next(input));
  },
};

export const interceptors: WorkflowInterceptorsFactory = () => ({ internals: [internals], inbound: [inbound] });
