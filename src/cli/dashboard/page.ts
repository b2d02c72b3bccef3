// The dashboard's one page: a shell the browser script (dashboard.js) fills from the JSON it polls, for the list of
// rollouts (/) and for one rollout (/rollouts/<endpoint>). Chart.js and the report's chart drawing are served beside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '../report/html';

const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 16px auto; max-width: 1100px; color: #222; }
a { color: #1f5fa8; } h1 { margin: 0 0 4px; } .meta { color: #555; margin: 0 0 12px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; width: 100%; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; } th { background: #f4f4f4; }
.phase-promoted, .verdict-pass { color: #2ca02c; } .phase-rolled-back, .phase-rolling-back, .verdict-fail { color: #d62728; }
.phase-awaiting-approval, .phase-paused, .verdict-continue { color: #b36b00; }
.bar { display: inline-block; height: 10px; background: #1f77b4; vertical-align: middle; margin-right: 6px; }
.panel { border: 1px solid #ddd; border-radius: 6px; padding: 12px; margin: 12px 0; background: #fafafa; }
.pending { border-color: #e0a030; background: #fff8e8; }
.controls input { margin-right: 8px; } .controls button { margin: 4px 6px 4px 0; }
#message.error { color: #d62728; } #message.ok { color: #2ca02c; }
figure { margin: 16px 0; padding: 8px; border: 1px solid #ddd; border-radius: 6px; background: #fff; }
figcaption { color: #555; font-size: 13px; }
`;

/** The page; `as` is the operator fixed by `--as` (the name field is then read-only). */
export function dashboardHtml(opts: { as: string | null }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>model-rollout dashboard</title><style>${STYLE}</style></head>
<body data-as="${escapeHtml(opts.as ?? '')}">
<p class="meta"><a href="/">All rollouts</a> · model-rollout dashboard</p>
<main id="app"><p>Loading…</p></main>
<script src="/assets/chart.js"></script>
<script src="/assets/charts.js"></script>
<script src="/assets/dashboard.js"></script>
</body></html>
`;
}

export function loadDashboardScript(): string {
  return readFileSync(join(__dirname, 'dashboard.js'), 'utf8');
}
