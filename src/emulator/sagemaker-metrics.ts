/**
 * SageMaker's per-variant invocation metrics on their way to CloudWatch, as the `aws` profile plays them:
 * - each request is served by one of the variant's instances (CurrentInstanceCount), and each instance publishes on
 *   its own schedule;
 * - samples are kept per regular-resolution period ("Metrics are available at a 1-minute frequency", [DG-CW]); a
 *   period's datapoint appears only after the period ends plus a publish lag, drawn per instance and period;
 * - a share of an instance's samples for a period arrive later still, so a period's values keep growing for a while
 *   after it first appears ("after the alarm evaluation, CloudWatch can publish new samples. The new samples might
 *   affect the value that's calculated", AWS Knowledge Center cloudwatch-trigger-metric);
 * - each delivery is a statistic set (SampleCount, Sum, Minimum, Maximum) unless configured to carry every value, so
 *   percentiles exist only where CloudWatch can compute them from sets ([BC-CW] GetMetricStatistics);
 * - a period without traffic has no samples, so no datapoint.
 * Deliveries that are due are moved into the region's metric store whenever CloudWatch is read or a new sample comes.
 */
import type { ResolvedCloudWatch } from './data-plane-settings';
import type { Rng } from './faults';
import { Digest, type Dimension, type MetricStore } from './metrics';
import type { EmulatorContext } from './state';

/** The AWS/SageMaker invocation metrics, in the order samples carry their values. */
export const INVOCATION_METRICS = [
  { name: 'Invocations', unit: 'None' },
  { name: 'Invocation4XXErrors', unit: 'None' },
  { name: 'Invocation5XXErrors', unit: 'None' },
  { name: 'ModelLatency', unit: 'Microseconds' },
  { name: 'OverheadLatency', unit: 'Microseconds' },
  { name: 'InvocationsPerInstance', unit: 'None' },
] as const;

/** One request's values, in INVOCATION_METRICS order (undefined: the metric has no sample, e.g. no ModelLatency). */
export type InvocationSample = (number | undefined)[];

interface Delivery {
  dueMs: number;
  region: string;
  store: MetricStore;
  dimensions: Dimension[];
  /** Start second of the period the samples belong to. */
  period: number;
  digests: Digest[];
}

/** One instance's samples for one period: the first delivery and the late ones. */
interface InstancePeriod {
  first: Delivery;
  late: Delivery[];
}

const LATE_DELIVERIES = 2;

/** Min-heap of deliveries by due time. */
class DueQueue {
  private readonly items: Delivery[] = [];

  get size(): number {
    return this.items.length;
  }

  push(d: Delivery): void {
    const a = this.items;
    a.push(d);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].dueMs <= a[i].dueMs) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  peek(): Delivery | undefined {
    return this.items[0];
  }

  pop(): Delivery | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].dueMs < a[m].dueMs) m = l;
        if (r < a.length && a[r].dueMs < a[m].dueMs) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

export class SageMakerMetricsPublisher {
  private readonly queue = new DueQueue();
  private readonly open = new Map<string, InstancePeriod>();

  constructor(
    private readonly cw: ResolvedCloudWatch,
    private readonly rng: Rng,
    /** The store a region's deliveries go to now (a reset replaces regions; stale deliveries are dropped). */
    private readonly currentStore: (region: string) => MetricStore | undefined,
  ) {}

  /** Deliveries not yet visible in CloudWatch (for tests and the memory bound). */
  get pending(): number {
    return this.queue.size;
  }

  /** One request served by a variant with `instances` instances, at `nowMs`. */
  record(
    region: string,
    store: MetricStore,
    dimensions: Dimension[],
    seriesKey: string,
    instances: number,
    nowMs: number,
    sample: InvocationSample,
  ): void {
    this.deliverDue(nowMs);
    const resolution = this.cw.resolutionSeconds;
    const period = Math.floor(nowMs / 1000 / resolution) * resolution;
    const instance = Math.floor(this.rng.next() * Math.max(1, instances));
    const key = `${region}\u0000${seriesKey}\u0000${instance}\u0000${period}`;
    let open = this.open.get(key);
    if (!open) {
      open = this.openPeriod(region, store, dimensions, period);
      this.open.set(key, open);
    }
    const late = open.late.length > 0 && this.rng.chance(this.cw.lateShare);
    const target = late ? open.late[Math.floor(this.rng.next() * open.late.length)] : open.first;
    sample.forEach((value, i) => {
      if (value !== undefined) target.digests[i].add(value);
    });
    if (this.open.size > 4096) this.forgetClosed(nowMs);
  }

  private openPeriod(region: string, store: MetricStore, dimensions: Dimension[], period: number): InstancePeriod {
    const endMs = (period + this.cw.resolutionSeconds) * 1000;
    const lag = this.cw.lagMinMs + this.rng.next() * (this.cw.lagMaxMs - this.cw.lagMinMs);
    const delivery = (dueMs: number): Delivery => ({
      dueMs,
      region,
      store,
      dimensions,
      period,
      digests: INVOCATION_METRICS.map(() => new Digest()),
    });
    const first = delivery(endMs + lag);
    const late: Delivery[] = [];
    if (this.cw.lateShare > 0) {
      for (let i = 0; i < LATE_DELIVERIES; i++)
        late.push(delivery(first.dueMs + this.rng.next() * this.cw.lateWindowMs));
    }
    for (const d of [first, ...late]) this.queue.push(d);
    return { first, late };
  }

  /** Periods that have ended take no more samples: drop their bookkeeping (their deliveries stay queued). */
  private forgetClosed(nowMs: number): void {
    const nowSec = nowMs / 1000;
    for (const [key, open] of this.open) {
      if (open.first.period + this.cw.resolutionSeconds <= nowSec) this.open.delete(key);
    }
  }

  /** Moves every delivery due by `nowMs` into its region's metric store. */
  deliverDue(nowMs: number): void {
    for (let next = this.queue.peek(); next !== undefined && next.dueMs <= nowMs; next = this.queue.peek()) {
      this.queue.pop();
      if (this.currentStore(next.region) !== next.store) continue;
      this.deliver(next);
    }
  }

  private deliver(d: Delivery): void {
    INVOCATION_METRICS.forEach(({ name, unit }, i) => {
      const digest = d.digests[i];
      if (digest.count === 0) return;
      const row = d.store.get('AWS/SageMaker', name, d.dimensions, unit).row(d.period);
      if (this.cw.sageMakerSamples === 'values') row.absorb(digest);
      else row.addStatisticSet(digest.count, digest.sum, digest.min, digest.max);
    });
  }

  clear(): void {
    this.queue.clear();
    this.open.clear();
  }
}

const publishers = new WeakMap<EmulatorContext, SageMakerMetricsPublisher>();

/** The emulator's publisher (one per running emulator). */
export function metricsPublisher(ctx: EmulatorContext): SageMakerMetricsPublisher {
  let p = publishers.get(ctx);
  if (!p) {
    p = new SageMakerMetricsPublisher(ctx.config.cloudwatch, ctx.rng, (region) => ctx.regions.get(region)?.metrics);
    publishers.set(ctx, p);
  }
  return p;
}

/** Makes every sample due by now visible: called before CloudWatch answers or evaluates anything. */
export function publishDueMetrics(ctx: EmulatorContext, nowMs = Date.now()): void {
  if (ctx.aws) metricsPublisher(ctx).deliverDue(nowMs);
}
