// Small, pure formatting helpers shared by the status view, the watch view, `list` and `result`.
import type { GuardrailName, Verdict } from '../../analysis/types';

export { formatDuration } from '../../schema/duration';

// Colour codes do not take up columns on screen; matched to measure what a reader sees.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const LEADING_ANSI = /^\x1b\[[0-9;]*m/;

export type Color = 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold';
const CODES: Record<Color, [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** Colours only when asked: pipes, files and NO_COLOR get plain text. */
export function paint(text: string, color: Color, enabled: boolean): string {
  if (!enabled) return text;
  const [on, off] = CODES[color];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}

export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Cuts a line to `width` visible columns (colour codes kept, closed with a reset), marking the cut with "…". */
export function fit(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let out = '';
  let visible = 0;
  for (let i = 0; i < text.length && visible < width - 1;) {
    const code = LEADING_ANSI.exec(text.slice(i));
    if (code) {
      out += code[0];
      i += code[0].length;
    } else {
      out += text[i++];
      visible++;
    }
  }
  return `${out}${out.includes('\x1b[') ? '\x1b[0m' : ''}…`;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

/** Columns aligned on the widest cell; trailing spaces trimmed so copied output stays clean. */
export function table(rows: string[][], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) => (indent + row.map((cell, i) => padEnd(cell, widths[i])).join('  ')).trimEnd());
}

/** A weight as a bar of `width` cells: the share of traffic a variant gets, readable at a glance. */
export function bar(percent: number, width = 30): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export function percent(value: number, digits = 0): string {
  return `${value.toFixed(digits)}%`;
}

/** Three significant digits, without exponent noise for the ranges we show. */
function sig(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text;
}

export type GuardrailUnit = 'rate' | 'latency' | 'score' | 'ratio';

export function guardrailUnit(guardrail: GuardrailName): GuardrailUnit {
  if (guardrail === 'errorRate5xx' || guardrail === 'errorRate4xx' || guardrail === 'agreement') return 'rate';
  if (guardrail === 'latency') return 'latency';
  if (guardrail === 'sampleRatio' || guardrail === 'copyRatio') return 'ratio';
  return 'score';
}

/** A variant's value of a guardrail's metric: a rate as %, latency in ms, a score as a decimal. */
export function formatMetric(guardrail: GuardrailName, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  switch (guardrailUnit(guardrail)) {
    case 'rate':
      return `${sig(value * 100)}%`;
    case 'latency':
      return `${sig(value)} ms`;
    case 'score':
      return value.toFixed(3);
    case 'ratio':
      return sig(value);
  }
}

/**
 * A difference, interval end or tolerance in the guardrail's own unit: percentage points for rates (absolute),
 * percent for latency (relative), score points for quality (absolute).
 */
export function formatDifference(guardrail: GuardrailName, value: number | null, withSign = true): string {
  if (value === null || !Number.isFinite(value)) return '—';
  let text: string;
  switch (guardrailUnit(guardrail)) {
    case 'rate':
      text = `${sig(value * 100)} pp`;
      break;
    case 'latency':
      text = `${sig(value * 100)}%`;
      break;
    case 'score':
      text = value.toFixed(3);
      break;
    case 'ratio':
      text = sig(value);
      break;
  }
  return withSign ? signed(text, value) : text;
}

export function formatInterval(guardrail: GuardrailName, interval: [number, number] | null): string {
  if (!interval) return '—';
  return `[${formatDifference(guardrail, interval[0])}, ${formatDifference(guardrail, interval[1])}]`;
}

export function verdictColor(verdict: Verdict | undefined): Color {
  if (verdict === 'pass') return 'green';
  if (verdict === 'fail') return 'red';
  return 'yellow';
}

/** A clock time for event lines: HH:MM:SS in local time; a full date is noise during a rollout. */
export function clock(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toTimeString().slice(0, 8);
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
