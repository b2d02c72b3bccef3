/**
 * CloudWatch's metric store: every datapoint is kept per series and per second, so any period (1 s up) and any
 * statistic, percentiles included, is computed from the data itself.
 *
 * Memory stays bounded: a second's samples are held exactly (inline for up to two distinct values — all the 0/1
 * counters SageMaker publishes — then as a raw list) until RAW_LIMIT samples, then as a log histogram with bins 1%
 * apart (percentile error ≤ 0.5%). Seconds older than the high-resolution window are merged into one-minute rows, and
 * rows older than the retention are dropped, the way CloudWatch itself keeps high-resolution data only for 3 hours.
 * Lookups walk the requested seconds (O(range)), never the whole series.
 */

const RAW_LIMIT = 512;
const LN_STEP = Math.log(1.01);

function binOf(v: number): number {
  return Math.floor(Math.log(v) / LN_STEP);
}

function binValue(bin: number): number {
  return Math.exp((bin + 0.5) * LN_STEP);
}

/** The samples of one row (a second, or a minute after compaction). */
export class Digest {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Samples that came as statistic sets (no values): percentiles cannot use them. */
  opaque = 0;
  // Exact mode, no allocation: up to two distinct values with their counts.
  private v0 = NaN;
  private c0 = 0;
  private v1 = NaN;
  private c1 = 0;
  private raw: number[] | null = null;
  private pos: Map<number, number> | null = null; // histogram of positive values by log bin
  private neg: Map<number, number> | null = null; // histogram of -v for negative values
  private zeros = 0; // only used in histogram mode

  add(value: number, n = 1): void {
    if (n <= 0 || !Number.isFinite(value)) return;
    this.count += n;
    this.sum += value * n;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.addSample(value, n);
  }

  /** A StatisticValues set from PutMetricData: no individual values. */
  addStatistics(sampleCount: number, sum: number, min: number, max: number): void {
    if (!(sampleCount > 0)) return;
    this.count += sampleCount;
    this.sum += sum;
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
    this.opaque += sampleCount;
  }

  /**
   * A statistic set as CloudWatch keeps it: "CloudWatch needs raw data points to calculate percentile statistics. If
   * you publish data using a statistic set instead, you can only retrieve percentile statistics for this data if ...
   * The SampleCount value of the statistic set is 1 [or] The Min and the Max values of the statistic set are equal"
   * ([BC-CW] GetMetricStatistics). Such a set is its values; any other set has none a percentile can use.
   */
  addStatisticSet(sampleCount: number, sum: number, min: number, max: number): void {
    if (!(sampleCount > 0)) return;
    if (sampleCount === 1 || min === max) this.add(min, sampleCount);
    else this.addStatistics(sampleCount, sum, min, max);
  }

  private addSample(value: number, n: number): void {
    if (this.pos !== null) {
      this.histAdd(value, n);
      return;
    }
    if (this.raw !== null) {
      for (let i = 0; i < n; i++) this.raw.push(value);
      if (this.raw.length > RAW_LIMIT) this.toHistogram();
      return;
    }
    if (this.c0 === 0 || this.v0 === value) {
      this.v0 = value;
      this.c0 += n;
    } else if (this.c1 === 0 || this.v1 === value) {
      this.v1 = value;
      this.c1 += n;
    } else {
      // A third distinct value: spill to the raw list (or straight to a histogram when it would be too long).
      const total = this.c0 + this.c1 + n;
      if (total > RAW_LIMIT) {
        this.pos = new Map();
        this.neg = new Map();
        this.histAdd(this.v0, this.c0);
        this.histAdd(this.v1, this.c1);
        this.histAdd(value, n);
      } else {
        const raw: number[] = [];
        for (let i = 0; i < this.c0; i++) raw.push(this.v0);
        for (let i = 0; i < this.c1; i++) raw.push(this.v1);
        for (let i = 0; i < n; i++) raw.push(value);
        this.raw = raw;
      }
      this.c0 = this.c1 = 0;
    }
  }

  private histAdd(value: number, n: number): void {
    if (value === 0) this.zeros += n;
    else if (value > 0) {
      const b = binOf(value);
      this.pos!.set(b, (this.pos!.get(b) ?? 0) + n);
    } else {
      const b = binOf(-value);
      this.neg!.set(b, (this.neg!.get(b) ?? 0) + n);
    }
  }

  private toHistogram(): void {
    const raw = this.raw ?? [];
    this.raw = null;
    this.pos = new Map();
    this.neg = new Map();
    for (const v of raw) this.histAdd(v, 1);
  }

  /** Adds every sample of another digest into this one. */
  absorb(other: Digest): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.opaque += other.opaque;
    if (other.pos !== null) {
      if (this.pos === null) {
        // Bring our exact samples into histogram form first.
        const mine: [number, number][] = [];
        this.forEachExact((v, c) => mine.push([v, c]));
        this.raw = null;
        this.c0 = this.c1 = 0;
        this.pos = new Map();
        this.neg = new Map();
        for (const [v, c] of mine) this.histAdd(v, c);
      }
      for (const [b, c] of other.pos) this.pos.set(b, (this.pos.get(b) ?? 0) + c);
      for (const [b, c] of other.neg!) this.neg!.set(b, (this.neg!.get(b) ?? 0) + c);
      this.zeros += other.zeros;
      return;
    }
    other.forEachExact((v, c) => this.addSample(v, c));
  }

  private forEachExact(fn: (value: number, count: number) => void): void {
    if (this.raw !== null) {
      for (const v of this.raw) fn(v, 1);
      return;
    }
    if (this.c0 > 0) fn(this.v0, this.c0);
    if (this.c1 > 0) fn(this.v1, this.c1);
  }

  /** Nearest-rank percentile (p in (0, 100]); undefined when the samples carry no values. */
  percentile(p: number): number | undefined {
    const n = this.count - this.opaque;
    if (n <= 0 || this.opaque > 0) return undefined;
    const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
    if (this.pos === null) {
      const pairs: [number, number][] = [];
      this.forEachExact((v, c) => pairs.push([v, c]));
      if (this.raw !== null) {
        const sorted = Float64Array.from(this.raw).sort();
        return sorted[rank - 1];
      }
      pairs.sort((a, b) => a[0] - b[0]);
      let seen = 0;
      for (const [v, c] of pairs) {
        seen += c;
        if (seen >= rank) return v;
      }
      return pairs[pairs.length - 1][0];
    }
    // The ends are known exactly even when the middle is binned.
    if (rank === n) return this.max;
    if (rank === 1) return this.min;
    // Histogram: negatives (most negative first), zeros, positives (smallest first).
    const bins: [number, number][] = [];
    for (const [b, c] of [...this.neg!.entries()].sort((x, y) => y[0] - x[0])) bins.push([-binValue(b), c]);
    if (this.zeros > 0) bins.push([0, this.zeros]);
    for (const [b, c] of [...this.pos!.entries()].sort((x, y) => x[0] - y[0])) bins.push([binValue(b), c]);
    let seen = 0;
    for (const [v, c] of bins) {
      seen += c;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, v));
    }
    return this.max;
  }

  /** One CloudWatch statistic of these samples, or undefined when it has no value. */
  statistic(stat: ParsedStat): number | undefined {
    if (this.count === 0) return undefined;
    switch (stat.kind) {
      case 'Sum':
        return this.sum;
      case 'SampleCount':
        return this.count;
      case 'Average':
        return this.sum / this.count;
      case 'Minimum':
        return this.min;
      case 'Maximum':
        return this.max;
      case 'percentile':
        return this.percentile(stat.p);
    }
  }
}

export type ParsedStat =
  | { kind: 'Sum' | 'SampleCount' | 'Average' | 'Minimum' | 'Maximum'; name: string }
  | { kind: 'percentile'; p: number; name: string };

const SIMPLE = ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'] as const;

/** "Sum", "p99", "p99.9", "p50" → a statistic; undefined for ones we do not compute (tm99, IQM, …). */
export function parseStat(stat: string): ParsedStat | undefined {
  if ((SIMPLE as readonly string[]).includes(stat)) return { kind: stat as (typeof SIMPLE)[number], name: stat };
  const m = /^p(\d{1,3}(?:\.\d+)?)$/.exec(stat);
  if (m) {
    const p = Number(m[1]);
    if (p > 0 && p <= 100) return { kind: 'percentile', p, name: stat };
  }
  return undefined;
}

export interface Dimension {
  Name: string;
  Value: string;
}

export class Series {
  /** One row per second (high resolution). */
  readonly seconds = new Map<number, Digest>();
  /** One row per minute (start second, a multiple of 60) for data older than the high-resolution window. */
  readonly minutes = new Map<number, Digest>();
  /** Every second below this has been compacted into minutes. */
  hiResFrom: number;
  minuteFrom: number;
  lastSecond = -Infinity;

  constructor(
    readonly namespace: string,
    readonly metricName: string,
    readonly dimensions: Dimension[],
    readonly key: string,
    public unit: string | undefined,
    hiResFrom: number,
    /** Second-rows alive in the whole store, shared by its series (the store's memory budget counts them). */
    private readonly liveRows: { n: number } = { n: 0 },
  ) {
    this.hiResFrom = hiResFrom;
    this.minuteFrom = Math.floor(hiResFrom / 60) * 60;
  }

  row(second: number): Digest {
    if (second < this.hiResFrom) {
      // A late datapoint (PutMetricData with an old timestamp) lands in its minute row.
      const minute = Math.floor(second / 60) * 60;
      let d = this.minutes.get(minute);
      if (!d) this.minutes.set(minute, (d = new Digest()));
      if (minute < this.minuteFrom) this.minuteFrom = minute;
      return d;
    }
    let d = this.seconds.get(second);
    if (!d) {
      this.seconds.set(second, (d = new Digest()));
      this.liveRows.n++;
    }
    if (second > this.lastSecond) this.lastSecond = second;
    return d;
  }

  add(second: number, value: number, count = 1): void {
    this.row(second).add(value, count);
  }

  /** The rows in [fromSec, toSec), each with its start second. */
  forEachRow(fromSec: number, toSec: number, fn: (second: number, digest: Digest) => void): void {
    const minuteEnd = Math.min(toSec, this.hiResFrom);
    if (fromSec < minuteEnd && this.minutes.size > 0) {
      for (let m = Math.max(Math.floor(fromSec / 60) * 60, this.minuteFrom); m < minuteEnd; m += 60) {
        const d = this.minutes.get(m);
        if (d && m >= fromSec - 59) fn(Math.max(m, fromSec), d);
      }
    }
    const start = Math.max(fromSec, this.hiResFrom);
    const end = Math.min(toSec, this.lastSecond + 1);
    if (end - start > this.seconds.size * 4) {
      // A sparse series over a long range: walking the map is cheaper than probing every second.
      for (const [s, d] of this.seconds) if (s >= start && s < end) fn(s, d);
      return;
    }
    for (let s = start; s < end; s++) {
      const d = this.seconds.get(s);
      if (d) fn(s, d);
    }
  }

  /** Moves seconds before `hiResCutoff` into minute rows and drops minutes before `retentionCutoff`. */
  compact(hiResCutoff: number, retentionCutoff: number): void {
    if (hiResCutoff > this.hiResFrom) {
      const span = hiResCutoff - this.hiResFrom;
      const visit = (s: number, d: Digest) => {
        const minute = Math.floor(s / 60) * 60;
        let m = this.minutes.get(minute);
        if (!m) this.minutes.set(minute, (m = new Digest()));
        if (minute < this.minuteFrom) this.minuteFrom = minute;
        m.absorb(d);
        this.seconds.delete(s);
        this.liveRows.n--;
      };
      if (span > this.seconds.size * 4) {
        for (const [s, d] of this.seconds) if (s < hiResCutoff) visit(s, d);
      } else {
        for (let s = this.hiResFrom; s < hiResCutoff; s++) {
          const d = this.seconds.get(s);
          if (d) visit(s, d);
        }
      }
      this.hiResFrom = hiResCutoff;
    }
    const minuteCutoff = Math.floor(retentionCutoff / 60) * 60;
    if (minuteCutoff > this.minuteFrom) {
      for (let m = this.minuteFrom; m < minuteCutoff; m += 60) this.minutes.delete(m);
      this.minuteFrom = minuteCutoff;
    }
  }

  isEmpty(): boolean {
    return this.seconds.size === 0 && this.minutes.size === 0;
  }

  /** The latest second with data, for ListMetrics' RecentlyActive. */
  latest(): number {
    if (this.seconds.size > 0) return this.lastSecond;
    let best = -Infinity;
    for (const m of this.minutes.keys()) if (m > best) best = m;
    return best;
  }
}

export function seriesKey(namespace: string, metricName: string, dimensions: Dimension[]): string {
  let key = `${namespace}\u0000${metricName}`;
  for (const d of dimensions) key += `\u0000${d.Name}=${d.Value}`;
  return key;
}

export function sortDimensions(dimensions: Dimension[]): Dimension[] {
  return [...dimensions].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

/** One datapoint of a statistic over a period: the period's start (epoch seconds) and the value. */
export interface Datapoint {
  timestamp: number;
  value: number;
}

/** All series of one region. */
export class MetricStore {
  private readonly series = new Map<string, Series>();
  /** Bumped whenever a series is dropped, so holders of Series references know to look them up again. */
  epoch = 0;
  private readonly liveRows = { n: 0 };

  /**
   * @param rowBudget most one-second rows kept across all series (~150–250 bytes each); past it the high-resolution
   * window shrinks (down to 2 minutes) so a thousand busy endpoints cannot exhaust memory.
   */
  constructor(
    private readonly highResolutionSeconds: number,
    private readonly retentionSeconds: number,
    private readonly rowBudget = 1_000_000,
  ) {}

  /** One-second rows currently held. */
  get secondRows(): number {
    return this.liveRows.n;
  }

  /** The series for these exact dimensions, created on first use. Dimensions must already be sorted by name. */
  get(namespace: string, metricName: string, dimensions: Dimension[], unit?: string): Series {
    const key = seriesKey(namespace, metricName, dimensions);
    let s = this.series.get(key);
    if (!s) {
      const now = Math.floor(Date.now() / 1000);
      s = new Series(namespace, metricName, dimensions, key, unit, now - this.highResolutionSeconds, this.liveRows);
      this.series.set(key, s);
    } else if (unit && !s.unit) {
      s.unit = unit;
    }
    return s;
  }

  find(namespace: string, metricName: string, dimensions: Dimension[]): Series | undefined {
    return this.series.get(seriesKey(namespace, metricName, sortDimensions(dimensions)));
  }

  all(): IterableIterator<Series> {
    return this.series.values();
  }

  /**
   * One statistic per period over [startSec, endSec): periods start at `origin` plus multiples of `period` (0: epoch-
   * aligned; the aws profile passes the rounded StartTime, as CloudWatch counts periods from it) and only periods with
   * data appear. Ascending by time.
   */
  query(
    series: Series | undefined,
    startSec: number,
    endSec: number,
    period: number,
    stat: ParsedStat,
    origin = 0,
  ): Datapoint[] {
    if (!series) return [];
    const buckets = new Map<number, Digest>();
    const order: number[] = [];
    const align = (second: number) => origin + Math.floor((second - origin) / period) * period;
    const first = align(startSec);
    series.forEachRow(first, endSec, (second, digest) => {
      const bucket = align(second);
      let agg = buckets.get(bucket);
      if (!agg) {
        buckets.set(bucket, (agg = new Digest()));
        order.push(bucket);
      }
      agg.absorb(digest);
    });
    order.sort((a, b) => a - b);
    const out: Datapoint[] = [];
    for (const t of order) {
      const v = buckets.get(t)!.statistic(stat);
      if (v !== undefined) out.push({ timestamp: t, value: v });
    }
    return out;
  }

  /** Merges old seconds into minutes and drops expired data and empty series. */
  compact(nowSec: number): void {
    const retentionCutoff = nowSec - this.retentionSeconds;
    let window = this.highResolutionSeconds;
    this.compactAll(nowSec - window, retentionCutoff);
    // Over budget: halve the high-resolution window until the rows fit (each pass only moves what the last left).
    while (this.liveRows.n > this.rowBudget && window > 120) {
      window = Math.max(120, Math.floor(window / 2));
      this.compactAll(nowSec - window, retentionCutoff);
    }
  }

  private compactAll(hiResCutoff: number, retentionCutoff: number): void {
    for (const [key, s] of this.series) {
      s.compact(hiResCutoff, retentionCutoff);
      if (s.isEmpty()) {
        this.series.delete(key);
        this.epoch++;
      }
    }
  }

  clear(): void {
    this.series.clear();
    this.liveRows.n = 0;
    this.epoch++;
  }
}
