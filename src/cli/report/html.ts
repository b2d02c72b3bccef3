// The report as one self-contained HTML file: tables rendered here, charts drawn in the page by Chart.js (its UMD
// bundle inlined) from the report data embedded as JSON. Opens offline, in any browser, from a file or a CI artifact.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatDuration } from '../../schema/duration';
import type { ReportData, StepRow } from './data';

export interface ChartInfo {
  id: string;
  title: string;
  caption: string;
}

/** The charts the page will draw for this data, in page order (the PNG renderer and the tests use this list). */
export function chartsFor(data: ReportData): ChartInfo[] {
  const charts: ChartInfo[] = [];
  if (data.roc) {
    charts.push({
      id: 'chart-roc',
      title: `ROC curves (step ${data.roc.step})`,
      caption: 'Labelled replay traffic of the latest step with labels, per variant.',
    });
  }
  if (data.traffic.length && data.traffic[0].points.length) {
    charts.push({ id: 'chart-traffic', title: 'Traffic share over time', caption: 'Weights as the rollout set them.' });
  }
  if (data.latency.some((s) => s.p50.length || s.p99.length)) {
    charts.push({
      id: 'chart-latency',
      title: 'Latency over time',
      caption: 'ModelLatency p50 (solid) and p99 (dashed) per variant, at the end of each step.',
    });
  }
  data.guardrails.forEach((g) =>
    charts.push({
      id: `chart-guardrail-${g.guardrail}${g.bake ? '-bake' : ''}`,
      title: g.bake
        ? `Bake: ${g.guardrail} against the candidate's last live step, over time`
        : `Guardrail ${g.guardrail}: difference over time`,
      caption:
        g.tolerance === null
          ? 'The statistic at each evaluation; points coloured by verdict.'
          : 'Difference (points coloured by verdict: green pass, orange continue, red fail) inside its always-valid ' +
            'confidence interval (band). The dashed red line is the tolerance: the guardrail passes once the band is ' +
            'wholly below it, and fails once the band is wholly above 0 with the difference at least half the tolerance.',
    }),
  );
  return charts;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** JSON that cannot close its <script> element early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const num = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} ms`);

function stepTable(variant: string, rows: StepRow[]): string {
  const head = [
    'step',
    'weight',
    'soaked',
    'invocations',
    '5XX rate',
    '4XX rate',
    'p50',
    'p99',
    'accuracy',
    'precision',
    'recall',
    'F1',
    'ROC AUC',
    'verdict',
    'ended',
  ];
  const body = rows.map((r) =>
    [
      String(r.step),
      r.shadow && r.variantWeight === 0 ? `shadow (${r.candidateWeight}% mirrored)` : `${r.variantWeight}%`,
      formatDuration(r.soakedMs),
      String(r.invocations),
      pct(r.errorRate5xx),
      pct(r.errorRate4xx),
      ms(r.latencyP50Ms),
      ms(r.latencyP99Ms),
      num(r.accuracy),
      num(r.precision),
      num(r.recall),
      num(r.f1),
      num(r.rocAuc),
      r.verdict ?? '—',
      r.ended ?? '—',
    ]
      .map((cell) => `<td>${escapeHtml(cell)}</td>`)
      .join(''),
  );
  return (
    `<h3>${escapeHtml(variant)}</h3><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${body.map((row) => `<tr>${row}</tr>`).join('')}</tbody></table>`
  );
}

/** Live predictions per variant: captured, labelled in time (judged), unlabelled, late labels, still waiting. */
function liveQualityTable(data: ReportData): string {
  const live = data.liveQuality;
  if (!live) return '';
  const rows = Object.entries(live.variants).map(
    ([variant, v]) =>
      `<tr><td>${escapeHtml(variant)}</td><td>${v.captured}</td><td>${v.labelled}</td><td>${v.unlabelled}</td>` +
      `<td>${v.lateLabels}</td><td>${v.waiting}</td></tr>`,
  );
  const window = live.maxLabelDelay
    ? `Labels count when they arrive within ${escapeHtml(live.maxLabelDelay)} of the prediction; predictions made before ${escapeHtml(live.labelledThrough ?? '—')} were judged, later ones wait for their window to close.`
    : 'No ground truth: live scores feed the label-free guard only.';
  return (
    `<h2>Live traffic</h2><p class="meta">${window}</p><table><thead><tr><th>variant</th><th>captured</th>` +
    `<th>labelled</th><th>unlabelled</th><th>late labels</th><th>waiting</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function decisionsTable(data: ReportData): string {
  const rows = data.decisions.map(
    (d) =>
      `<tr><td>${escapeHtml(d.at)}</td><td>${d.step}</td><td>${escapeHtml(d.kind)}</td><td>${escapeHtml(d.by)}</td>` +
      `<td>${escapeHtml(d.reason)}</td></tr>`,
  );
  return `<table><thead><tr><th>at</th><th>step</th><th>decision</th><th>by</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { margin-bottom: 4px; } .meta { color: #555; margin-top: 0; }
.outcome-promoted { color: #2ca02c; } .outcome-rolled_back { color: #d62728; }
figure { margin: 24px 0; padding: 12px; border: 1px solid #ddd; border-radius: 6px; background: #fff; }
figcaption { color: #555; font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; font-size: 13px; margin-bottom: 16px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; } td:last-child, th:last-child { text-align: left; }
th { background: #f4f4f4; }
`;

export function reportHtml(data: ReportData, chartJsSource: string = loadChartJs()): string {
  const title = `Rollout report: ${data.endpointName}`;
  const outcome = data.outcome
    ? `<span class="outcome-${escapeHtml(data.outcome)}">${escapeHtml(data.outcome)}</span>${data.reason ? ` — ${escapeHtml(data.reason)}` : ''}`
    : `running (phase ${escapeHtml(data.phase)})`;
  const figures = chartsFor(data)
    .map(
      (c) =>
        `<figure id="fig-${c.id}"><h3>${escapeHtml(c.title)}</h3><canvas id="${c.id}" width="900" height="380"></canvas>` +
        `<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
    )
    .join('\n');
  const sourceNote =
    data.source === 'status'
      ? '<p class="meta">The rollout is still running: figures come from its status; guardrails show the latest evaluation only.</p>'
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Outcome: ${outcome}<br>Baseline ${escapeHtml(data.baselineVariant ?? 'none (first deployment)')}, candidate ${escapeHtml(data.candidateVariant)}; started ${escapeHtml(data.startedAt ?? '—')}; report generated ${escapeHtml(data.generatedAt)}.</p>
${sourceNote}
${figures}
<h2>Metrics per step</h2>
${data.stepTables.map((t) => stepTable(t.variant, t.rows)).join('\n')}
${liveQualityTable(data)}
<h2>Decisions</h2>
${decisionsTable(data)}
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${chartJsSource.replace(/<\/script/gi, '<\\/script')}</script>
<script>${loadPageScript()}</script>
</body></html>
`;
}

/** Chart.js's UMD bundle, which the report inlines and the dashboard serves. */
export function loadChartJs(): string {
  // The package exports only its module entry points; the UMD bundle sits beside the CommonJS one in dist/.
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
}

/** The script that draws a rollout's charts (page.js), which the report inlines and the dashboard serves. */
export function loadPageScript(): string {
  return readFileSync(join(__dirname, 'page.js'), 'utf8');
}
