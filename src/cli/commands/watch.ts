// `watch`: follows a rollout until it ends and exits with a code saying how it ended (0 promoted, 3 rolled back,
// 4 failed/terminated/cancelled/timed out).
import type { RolloutStatus } from '../../workflows/shared';
import type { CliContext } from '../context';
import { exitCodeForClosedStatus, type ExitCode } from '../exit-codes';
import { connectTemporal, snapshotRollout, type CliTemporal, type RolloutSnapshot } from '../temporal';
import { clock, paint } from '../view/format';
import { renderResult, renderStatus, type ViewOptions } from '../view/status-view';
import { LiveScreen, eventLines } from '../view/watch-view';

export interface WatchOptions {
  /** Milliseconds between refreshes. */
  intervalMs?: number;
}

export async function watchCommand(ctx: CliContext, endpointName: string, opts: WatchOptions): Promise<ExitCode> {
  const t = await connectTemporal();
  try {
    return await watchRollout(ctx, t, endpointName, opts);
  } finally {
    await t.close();
  }
}

export function viewOptions(ctx: CliContext, now = new Date()): ViewOptions {
  return { now, color: ctx.color, cli: ctx.cli };
}

/** How a closed rollout ended, as lines and an exit code. */
export function closedView(
  snap: Extract<RolloutSnapshot, { kind: 'closed' }>,
  endpointName: string,
  opts: ViewOptions,
): { lines: string[]; exitCode: ExitCode } {
  const exitCode = exitCodeForClosedStatus(snap.executionStatus, snap.result?.outcome);
  if (snap.result) return { lines: renderResult(snap.result, opts), exitCode };
  return {
    lines: [
      `Rollout ${endpointName}: workflow ${paint(snap.executionStatus.toLowerCase(), 'red', opts.color)}` +
        (snap.failure ? ` — ${snap.failure}` : ''),
    ],
    exitCode,
  };
}

export async function watchRollout(
  ctx: CliContext,
  t: CliTemporal,
  endpointName: string,
  opts: WatchOptions,
): Promise<ExitCode> {
  const intervalMs = opts.intervalMs ?? 1_000;
  const screen = ctx.tty && !ctx.json ? new LiveScreen(ctx.stdout) : null;
  const restoreCursor = () => screen?.done();
  // Ctrl-C stops watching only; the terminal must get its cursor back.
  const onInterrupt = () => {
    restoreCursor();
    process.exit(130);
  };
  process.once('exit', restoreCursor);
  process.once('SIGINT', onInterrupt);
  let previous: RolloutStatus | null = null;
  let lastJson = '';
  let lastWaiting = '';
  try {
    for (;;) {
      const snap = await snapshotRollout(t, endpointName);
      const view = viewOptions(ctx);
      if (snap.kind === 'closed') {
        const { lines, exitCode } = closedView(snap, endpointName, view);
        if (ctx.json) {
          ctx.stdout.write(
            `${JSON.stringify({ event: 'end', executionStatus: snap.executionStatus, exitCode, result: snap.result, failure: snap.failure })}\n`,
          );
        } else if (screen) {
          screen.draw(lines, { wrap: true });
        } else {
          ctx.out(lines);
        }
        return exitCode;
      }
      if (!snap.status) {
        const waiting = `${clock(view.now)} ${snap.queryError}`;
        if (screen) screen.draw([`Rollout ${endpointName}: running`, waiting]);
        else if (snap.queryError !== lastWaiting) ctx.note(waiting);
        lastWaiting = snap.queryError ?? '';
      } else if (ctx.json) {
        // One JSON line per change: easy to `jq` and to tail in a log.
        const text = JSON.stringify({ event: 'status', status: snap.status });
        if (text !== lastJson) ctx.stdout.write(`${text}\n`);
        lastJson = text;
      } else if (screen) {
        screen.draw([
          ...renderStatus(snap.status, view),
          '',
          paint(`updated ${clock(view.now)} · Ctrl-C stops watching (the rollout carries on)`, 'dim', ctx.color),
        ]);
      } else {
        const lines = eventLines(previous, snap.status, view);
        if (lines.length) ctx.out(lines);
      }
      if (snap.status) previous = snap.status;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    restoreCursor();
    process.removeListener('exit', restoreCursor);
    process.removeListener('SIGINT', onInterrupt);
  }
}
