import {
  bar,
  fit,
  formatDifference,
  formatInterval,
  formatMetric,
  paint,
  shellQuote,
  table,
  visibleLength,
} from '../../../src/cli/view/format';

describe('format', () => {
  it('draws a weight as a bar of filled and empty cells', () => {
    expect(bar(50, 10)).toBe('█████░░░░░');
    expect(bar(0, 4)).toBe('░░░░');
    expect(bar(100, 4)).toBe('████');
    expect(bar(140, 4)).toBe('████'); // clamped, never longer than the column
  });

  it('shows each guardrail in its own unit', () => {
    expect(formatMetric('errorRate5xx', 0.0123)).toBe('1.23%');
    expect(formatMetric('latency', 12.345)).toBe('12.3 ms');
    expect(formatMetric('rocAuc', 0.91234)).toBe('0.912');
    expect(formatMetric('accuracy', null)).toBe('—');
    // rates: percentage points; latency: relative percent; quality: score points
    expect(formatDifference('errorRate5xx', 0.002)).toBe('+0.200 pp');
    expect(formatDifference('latency', -0.05)).toBe('-5.00%');
    expect(formatDifference('rocAuc', 0.0071)).toBe('+0.007');
    expect(formatDifference('latency', 0.2, false)).toBe('20.0%');
    expect(formatInterval('accuracy', [-0.01, 0.03])).toBe('[-0.010, +0.030]');
    expect(formatInterval('accuracy', null)).toBe('—');
  });

  it('aligns columns on visible width, ignoring colour codes', () => {
    const lines = table([
      ['A', 'B'],
      [paint('long-cell', 'red', true), 'x'],
    ]);
    expect(lines.map(visibleLength)).toEqual([12, 12]);
    expect(lines[0]).toBe('A          B');
  });

  it('colours only when enabled', () => {
    expect(paint('pass', 'green', false)).toBe('pass');
    expect(paint('pass', 'green', true)).toBe('\x1b[32mpass\x1b[39m');
  });

  it('quotes shell arguments only when needed', () => {
    expect(shellQuote('churn-1')).toBe('churn-1');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('a b')).toBe(`'a b'`);
  });
});

describe('fit', () => {
  it('cuts lines to the terminal width, keeping colour codes balanced', () => {
    expect(fit('short', 10)).toBe('short');
    expect(fit('abcdefghij', 5)).toBe('abcd…');
    const cut = fit(`${paint('pass', 'green', true)} and more`, 6);
    expect(visibleLength(cut)).toBe(6);
    expect(cut).toBe('\x1b[32mpass\x1b[39m \x1b[0m…');
  });
});
