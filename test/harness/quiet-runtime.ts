// Keeps worker logs to warnings and errors so jest's output stays readable. Runs in every test worker before
// any Worker or NativeConnection exists (Runtime.install must come first).
//
// The SDK also logs every failed activity attempt and failed workflow at WARN, with its stack. The tests that fail
// them on purpose (bad specs, injected AWS faults, crashes) check those failures themselves, and in a full run their
// stacks were about 10,000 of the output's 11,000 lines, burying everything else. They are left out;
// MODEL_ROLLOUT_TEST_LOGS=all shows them again, for a test that fails for a reason its assertion does not show.
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { formatWithOptions } from 'node:util';

const EXPECTED_FAILURES: ReadonlySet<string> = new Set(['Activity failed', 'Workflow failed']);
const showAll = process.env.MODEL_ROLLOUT_TEST_LOGS === 'all';
const format = (value: unknown) => formatWithOptions({ colors: false }, value);

function write({ level, message, meta, timestampNanos }: LogEntry): void {
  if (!showAll && EXPECTED_FAILURES.has(message)) return;
  const at = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  process.stderr.write(`${at} [${level}] ${message}${meta === undefined ? '' : ` ${format(meta)}`}\n`);
}

Runtime.install({ logger: new DefaultLogger('WARN', write) });
