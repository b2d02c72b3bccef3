import {
  HIDE_CURSOR,
  LiveScreen,
  SHOW_CURSOR,
  eventLines,
  redrawSequence,
  rowsTaken,
} from '../../../src/cli/view/watch-view';
import { NOW, soakingStatus } from './fixtures';

const opts = { now: NOW, color: false, cli: 'model-rollout' };
const clockOf = (iso: string) => new Date(iso).toTimeString().slice(0, 8);

describe('watch view', () => {
  it('tells everything on the first look, then only what changed', () => {
    const first = soakingStatus();
    const lines = eventLines(null, first, opts);
    expect(lines[0]).toBe(
      `${clockOf(NOW.toISOString())} phase soaking, step 2/3, weights Champion=25% Challenger=75%, soak at least 8m40s`,
    );
    expect(lines).toHaveLength(1 + first.decisions.length + 1);
    expect(lines[lines.length - 1]).toMatch(
      /evaluation \(step 2\): continue; errorRate5xx pass \+0\.0200 pp, latency continue \+2\.50%, rocAuc continue \+0\.007$/,
    );
    expect(eventLines(first, first, opts)).toEqual([]);

    const next = soakingStatus({
      phase: 'awaiting-approval',
      pendingApproval: {
        step: 2,
        cause: 'step',
        since: NOW.toISOString(),
        timeoutAt: NOW.toISOString(),
        reason: 'step 2 requires approval',
      },
      decisions: [
        ...first.decisions,
        {
          at: NOW.toISOString(),
          step: 2,
          kind: 'approval-requested',
          by: 'model-rollout',
          reason: 'step 2 requires approval',
        },
      ],
    });
    const changed = eventLines(first, next, opts);
    expect(changed).toEqual([
      `${clockOf(NOW.toISOString())} phase awaiting-approval, step 2/3, weights Champion=25% Challenger=75%`,
      `${clockOf(NOW.toISOString())} decision approval-requested (step 2) by model-rollout: step 2 requires approval`,
      `${clockOf(NOW.toISOString())} waiting for approval (step 2): step 2 requires approval; approve with: model-rollout approve churn --by <you>`,
    ]);
  });

  it('redraws in place: up over the previous block, clear, draw', () => {
    expect(redrawSequence(0, ['a', 'b'])).toBe('\x1b[0Ja\nb\n');
    expect(redrawSequence(3, ['a'])).toBe('\x1b[3F\x1b[0Ja\n');
  });

  it('counts the rows wrapped lines take, ignoring colour codes', () => {
    expect(rowsTaken(['', 'x'.repeat(80), 'x'.repeat(81), '\x1b[31m' + 'x'.repeat(80) + '\x1b[39m'], 80)).toBe(
      1 + 1 + 2 + 1,
    );
  });
});

describe('LiveScreen', () => {
  it('cuts live frames to the terminal width and moves up exactly over the previous frame', () => {
    let written = '';
    const stream = { columns: 10, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const screen = new LiveScreen(stream);
    screen.draw(['0123456789abc', 'ok']);
    expect(written).toBe(`${HIDE_CURSOR}\x1b[0J012345678…\nok\n`);
    written = '';
    screen.draw(['x'.repeat(25)], { wrap: true }); // the final frame is kept whole, wrapping over 3 rows
    expect(written).toBe(`\x1b[2F\x1b[0J${'x'.repeat(25)}\n`);
    written = '';
    screen.draw(['y']);
    expect(written.startsWith('\x1b[3F')).toBe(true);
    screen.done();
    expect(written.endsWith(SHOW_CURSOR)).toBe(true);
  });
});
