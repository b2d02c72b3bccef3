// Live traffic in status, watch and the report: how many live predictions are captured, labelled, unlabelled (late
// labels among them) and still waiting for their label window to close.
import { buildReportData } from '../../../src/cli/report/data';
import { reportHtml } from '../../../src/cli/report/html';
import { renderStatus } from '../../../src/cli/view/status-view';
import { eventLines } from '../../../src/cli/view/watch-view';
import type { LiveQualityStatus } from '../../../src/workflows/shared';
import { NOW, soakingStatus } from './fixtures';

const opts = { now: NOW, color: false, cli: 'npx model-rollout' };
const clockOf = (iso: string) => new Date(iso).toTimeString().slice(0, 8);

const live: LiveQualityStatus = {
  variants: {
    Champion: { captured: 957, labelled: 565, unlabelled: 107, lateLabels: 4, waiting: 285 },
    Challenger: { captured: 990, labelled: 416, unlabelled: 73, lateLabels: 5, waiting: 501 },
  },
  labelledThrough: '2026-11-25T11:58:00.000Z',
  nextCohortAt: '2026-11-25T12:00:30.000Z',
  labelDelay: '10m',
  maxLabelDelay: '2h',
};

test('status shows each variant’s captured, labelled, unlabelled and waiting live predictions', () => {
  const text = renderStatus(soakingStatus({ liveQuality: live }), opts).join('\n');
  expect(text).toContain(
    `Live traffic (labels within 2h; judged: predictions made before ${clockOf(live.labelledThrough!)}; next cohort at ${clockOf(live.nextCohortAt!)})`,
  );
  expect(text).toMatch(/VARIANT\s+CAPTURED\s+LABELLED\s+UNLABELLED\s+LATE LABELS\s+WAITING/);
  expect(text).toMatch(/Challenger\s+990\s+416\s+73\s+5\s+501/);
  expect(renderStatus(soakingStatus(), opts).join('\n')).not.toContain('Live traffic');
});

test('watch logs the counts when they change, and only then', () => {
  const before = soakingStatus({ liveQuality: live });
  const after = soakingStatus({
    liveQuality: {
      ...live,
      variants: { ...live.variants, Challenger: { ...live.variants.Challenger, labelled: 500 } },
    },
  });
  const lines = eventLines(before, after, opts);
  expect(lines).toEqual([
    expect.stringMatching(
      /live traffic: Champion 565 labelled, 107 unlabelled, 285 waiting; Challenger 500 labelled, 73 unlabelled, 501 waiting$/,
    ),
  ]);
  expect(eventLines(after, after, opts)).toEqual([]);
});

test('the report carries the live counts and shows them in a table', () => {
  const data = buildReportData(
    {
      kind: 'status',
      status: soakingStatus({ liveQuality: live }),
      baselineVariant: 'Champion',
      candidateVariant: 'Challenger',
    },
    NOW,
  );
  expect(data.liveQuality).toEqual(live);
  const html = reportHtml(data, '');
  expect(html).toContain('<h2>Live traffic</h2>');
  expect(html).toContain('<tr><td>Challenger</td><td>990</td><td>416</td><td>73</td><td>5</td><td>501</td></tr>');
  const without = buildReportData(
    { kind: 'status', status: soakingStatus(), baselineVariant: 'Champion', candidateVariant: 'Challenger' },
    NOW,
  );
  expect(without.liveQuality).toBeNull();
  expect(reportHtml(without, '')).not.toContain('Live traffic');
});
