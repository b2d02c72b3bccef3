// Numbers in reasons, written for people and without Intl (not every sandbox has full ICU data).
import type { Unit } from './comparison';

export function groupThousands(n: number): string {
  const [int, frac] = Math.round(n).toString().split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

function signed(text: string, x: number): string {
  return x > 0 ? `+${text}` : x < 0 ? text : text.replace(/^-/, '');
}

/** A metric value on one variant: percent for proportions, ms for latency, plain for scores. */
export function formatValue(x: number | null, unit: Unit, digits: number): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  if (unit === 'points') return `${(100 * x).toFixed(digits)}%`;
  if (unit === 'relative') return `${x.toPrecision(3)} ms`;
  return x.toFixed(3);
}

/** A difference or a bound: signed points, signed percent, or signed score. */
export function formatDifference(x: number, unit: Unit, digits: number, withUnit = true): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : '−∞';
  if (unit === 'points') return signed((100 * x).toFixed(digits), x) + (withUnit ? ' pts' : '');
  if (unit === 'relative') return signed((100 * x).toFixed(1), x) + (withUnit ? '%' : '');
  return signed(x.toFixed(3), x);
}

/** Two-sided coverage as a percentage, e.g. 0.0196 → "98.04%". */
export function formatLevel(twoSidedAlpha: number): string {
  const pct = 100 * (1 - twoSidedAlpha);
  const text = pct.toFixed(pct >= 99.9 ? 3 : 2).replace(/\.?0+$/, '');
  return `${text}%`;
}
