// The world bench:guardrail simulates: one SageMaker endpoint with two variants, its traffic, and the evidence the
// rollout workflow gets of it, with AWS's timing (the emulator's aws profile, src/emulator/README.md, CloudWatch and
// data capture rows):
//  - CloudWatch: SageMaker's per-request metrics in 60 s periods; a variant's minute appears PUBLISH_LAG (60–120 s,
//    drawn per variant and minute) after it ends, and LATE_SHARE (10%) of its samples in LATE_DELIVERIES later
//    deliveries within LATE_WINDOW (120 s) after that, so a published minute keeps growing. Statistic sets only:
//    ModelLatency has Average and SampleCount per period, no percentiles ([DG-CW]; the profile's default
//    `sageMakerSamples: "statistic-sets"`). The workflow reads a period once it ended `settleDelay` ago, with what was
//    delivered by then (src/workflows/cloudwatch-evidence.ts, used here as it is).
//  - Replay traffic (worlds "replay" and "paired"): `rate` labelled rows a second while a step soaks (the workflow
//    sends none while it waits out the settle delay), routed by the weights (unpaired) or sent to both variants
//    (paired probes); the answers come back with the activity at each evaluation.
//  - Live traffic (world "live"): `rate` requests a second all the time, routed by the weights, every prediction
//    captured (a variant's captures of a minute land in S3 when the minute ends: capture files are flushed every
//    60 s); labels come in Model Monitor's ground truth later (never for NEVER_LABELLED of them, else after an
//    exponential delay of mean `labelDelay`), and a prediction counts once its cohort slice's label window closed
//    (src/workflows/live-quality.ts): slice [a, b) at b + 1 s + maxLabelDelay, with the labels that came within it.
// The clock is in ms; the candidate goes live at `start`, a whole second at a random place in its minute.
import type { LatencyPeriod, RoundTrips } from '../../src/analysis';
import {
  countScore,
  emptyScoreCounts,
  LabelledSummaryBuilder,
  PairedSummaryBuilder,
  type LabelledSummary,
  type PairedSummary,
  type ScoreCounts,
  type ScoreShiftPeriod,
} from '../../src/analysis';
import type { VariantMetrics } from '../../src/activities';
import { Rng } from './rng';
import {
  INSTANCE_SIGMA,
  LATENCY_SIGMA,
  LOAD_SIGMA,
  NETWORK_MEDIAN_MS,
  NETWORK_SIGMA,
  POSITIVE_RATE,
  scoreOf,
  type Truth,
} from './truth';

export type WorldKind = 'replay' | 'paired' | 'live';

export const PERIOD_MS = 60_000;
export const PUBLISH_LAG_MS: readonly [number, number] = [60_000, 120_000];
export const LATE_SHARE = 0.1;
export const LATE_WINDOW_MS = 120_000;
const LATE_DELIVERIES = 2;
export const NEVER_LABELLED = 0.1;

export interface WorldSettings {
  kind: WorldKind;
  /** Replay rows (or live requests) a second. */
  rate: number;
  threshold: number;
  /** Live labels: mean delay, the label window and the cohort slice (ms). */
  labelDelayMs: number;
  maxLabelDelayMs: number;
  cohortSliceMs: number;
}

/** One variant's samples of one minute in one delivery: what CloudWatch adds when the delivery lands. */
interface Delivery {
  due: number;
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  latencySum: number;
  latencyCount: number;
}

interface Minute {
  load: number;
  hiccup: [number, number];
  deliveries: [Delivery[], Delivery[]];
  /** Replay traffic's round trips (ms) per variant, as the client measures them. */
  trips: [RoundTrips, RoundTrips];
}

/** Captured predictions of one minute of one step: visible from `visibleAt`. */
interface CaptureBucket {
  visibleAt: number;
  candidateWeight: number;
  counts: [ScoreCounts, ScoreCounts];
}

export const BASELINE = 0;
export const CANDIDATE = 1;

export class World {
  now: number;
  /** InvokeEndpoint requests each variant served (replay, probes or live). */
  readonly served: [number, number] = [0, 0];
  /** Replay: each variant's labelled rows so far, and its answered requests in the current step. */
  private readonly replay: [LabelledSummaryBuilder, LabelledSummaryBuilder];
  readonly stepRequests: [number, number] = [0, 0];
  private readonly paired: PairedSummaryBuilder;
  private readonly minutes = new Map<number, Minute>();
  private readonly captures: CaptureBucket[] = [];
  private capturesFolded = 0;
  private tripsRead = 0;
  /** Live labels per cohort slice and variant: [label, score] pairs counted once the slice closes. */
  private readonly slices = new Map<number, [number[], number[]]>();
  private readonly live: [LabelledSummaryBuilder, LabelledSummaryBuilder];
  readonly liveFrom: number;
  closedThrough: number;

  constructor(
    readonly settings: WorldSettings,
    private readonly truths: [Truth, Truth],
    private readonly rng: Rng,
    readonly start: number,
  ) {
    this.now = start;
    const builder = () => new LabelledSummaryBuilder(settings.threshold);
    this.replay = [builder(), builder()];
    this.live = [builder(), builder()];
    this.paired = new PairedSummaryBuilder(settings.threshold);
    this.liveFrom = Math.ceil(start / 1000) * 1000;
    this.closedThrough = this.liveFrom;
  }

  /** Lets `ms` pass at candidate weight `weight` (percent); replay traffic only while `replaying`. */
  advance(ms: number, weight: number, replaying: boolean): void {
    const end = this.now + ms;
    const kind = this.settings.kind;
    const sends = kind === 'live' || replaying;
    for (; this.now < end; this.now += 1000) {
      if (!sends) continue;
      const minute = this.minuteAt(this.now);
      for (let r = 0; r < this.settings.rate; r++) {
        if (kind === 'paired') this.pairedRow(minute);
        else this.routed(minute, this.rng.uniform() * 100 < weight ? CANDIDATE : BASELINE, weight);
      }
    }
    if (kind === 'paired' && replaying) this.paired.close(); // the activity closes its AUC batch at the interval's end
  }

  private minuteAt(t: number): Minute & { start: number } {
    const start = Math.floor(t / PERIOD_MS) * PERIOD_MS;
    let m = this.minutes.get(start);
    if (!m) {
      const load = Math.exp(LOAD_SIGMA * this.rng.normal());
      const hiccup: [number, number] = [
        Math.exp(INSTANCE_SIGMA * this.rng.normal()),
        Math.exp(INSTANCE_SIGMA * this.rng.normal()),
      ];
      const deliveries = [0, 1].map(() => {
        const first = start + PERIOD_MS + lerp(PUBLISH_LAG_MS, this.rng.uniform());
        const late = Array.from({ length: LATE_DELIVERIES }, () => first + this.rng.uniform() * LATE_WINDOW_MS);
        return [first, ...late].map((due): Delivery => ({
          due,
          invocations: 0,
          errors4xx: 0,
          errors5xx: 0,
          latencySum: 0,
          latencyCount: 0,
        }));
      }) as [Delivery[], Delivery[]];
      const trips = (): RoundTrips => ({ requests: 0, sumLog: 0, sumSquaredLog: 0 });
      m = { load, hiccup, deliveries, trips: [trips(), trips()] };
      this.minutes.set(start, m);
    }
    return { ...m, start };
  }

  /**
   * One request to variant v: its CloudWatch samples, and its score if it answered; returns the score (null for an
   * error) and its ModelLatency in µs.
   */
  private request(minute: Minute, v: number, label: number, row: number | null): { score: number | null; us: number } {
    const truth = this.truths[v];
    this.served[v]++;
    const u = this.rng.uniform();
    const e5 = u < truth.p5;
    const e4 = !e5 && u < truth.p5 + truth.p4;
    const d =
      minute.deliveries[v][this.rng.uniform() < LATE_SHARE ? 1 + Math.floor(this.rng.uniform() * LATE_DELIVERIES) : 0];
    d.invocations++;
    if (e5) d.errors5xx++;
    if (e4) d.errors4xx++;
    if (e5 || e4) return { score: null, us: 0 };
    const us = truth.medianUs * minute.load * minute.hiccup[v] * Math.exp(LATENCY_SIGMA * this.rng.normal());
    d.latencySum += us;
    d.latencyCount++;
    return { score: scoreOf(this.rng, label, truth, row), us };
  }

  private routed(minute: Minute & { start: number }, v: number, weight: number): void {
    const label = this.rng.uniform() < POSITIVE_RATE ? 1 : 0;
    const { score, us } = this.request(minute, v, label, null);
    if (this.settings.kind === 'replay') {
      this.stepRequests[v]++;
      if (score !== null) {
        this.replay[v].add(label, score);
        const log = Math.log(this.trip(us));
        const t = minute.trips[v];
        t.requests++;
        t.sumLog += log;
        t.sumSquaredLog += log * log;
      }
      return;
    }
    if (score === null) return;
    // Live: captured (the capture file of this minute lands when the minute ends), and labelled later, or never.
    countScore(this.captureOf(minute.start, weight).counts[v], score);
    if (this.rng.uniform() < NEVER_LABELLED) return;
    const delay = -this.settings.labelDelayMs * Math.log(1 - this.rng.uniform());
    if (delay > this.settings.maxLabelDelayMs) return; // late: its cohort's window closed without it
    const slice = Math.floor((this.now - this.liveFrom) / this.settings.cohortSliceMs);
    let rows = this.slices.get(slice);
    if (!rows) this.slices.set(slice, (rows = [[], []]));
    rows[v].push(label === 1 ? score + 2 : score); // label folded into the number: score in [0, 1], +2 for positives
  }

  private pairedRow(minute: Minute): void {
    const label = this.rng.uniform() < POSITIVE_RATE ? 1 : 0;
    const row = this.rng.normal();
    const b = this.request(minute, BASELINE, label, row);
    const c = this.request(minute, CANDIDATE, label, row);
    if (b.score === null || c.score === null) return;
    this.paired.add(label, b.score, c.score, { baseline: this.trip(b.us), candidate: this.trip(c.us), at: this.now });
  }

  /** The client's round trip (ms) of a request whose ModelLatency was `us`: SageMaker's overhead and the network too. */
  private trip(us: number): number {
    return us / 1000 + NETWORK_MEDIAN_MS * Math.exp(NETWORK_SIGMA * this.rng.normal());
  }

  /** Replay round trips of every minute that ended by now and was not read before, oldest first. */
  newRoundTrips(): [RoundTrips, RoundTrips][] {
    const out: [RoundTrips, RoundTrips][] = [];
    for (const [start, m] of this.minutes) {
      if (start < this.tripsRead) continue;
      if (start + PERIOD_MS > this.now) break;
      out.push(m.trips);
      this.tripsRead = start + PERIOD_MS;
    }
    return out;
  }

  private captureOf(minuteStart: number, weight: number): CaptureBucket {
    const last = this.captures[this.captures.length - 1];
    if (last && last.visibleAt === minuteStart + PERIOD_MS && last.candidateWeight === weight) return last;
    const bucket: CaptureBucket = {
      visibleAt: minuteStart + PERIOD_MS,
      candidateWeight: weight,
      counts: [emptyScoreCounts(), emptyScoreCounts()],
    };
    this.captures.push(bucket);
    return bucket;
  }

  /** GetMetricData at `this.now` for the periods in [from, until): what has been delivered of each by now. */
  cloudwatch(names: [string, string], from: number, until: number): VariantMetrics[] {
    return names.map((variantName, v) => {
      const periods = [];
      for (const [start, m] of this.minutes) {
        // Minutes are created in time order, and the Map keeps that order.
        if (start < from || start >= until) continue;
        const sum = { invocations: 0, errors4xx: 0, errors5xx: 0, latencySum: 0, latencyCount: 0 };
        for (const d of m.deliveries[v]) {
          if (d.due > this.now) continue;
          sum.invocations += d.invocations;
          sum.errors4xx += d.errors4xx;
          sum.errors5xx += d.errors5xx;
          sum.latencySum += d.latencySum;
          sum.latencyCount += d.latencyCount;
        }
        if (sum.invocations === 0) continue; // a minute without data has no datapoint at all
        const latency: LatencyPeriod | undefined =
          sum.latencyCount > 0
            ? { timestamp: start, sampleCount: sum.latencyCount, average: sum.latencySum / sum.latencyCount }
            : undefined;
        periods.push({
          timestamp: start,
          invocations: sum.invocations,
          errors4xx: sum.errors4xx,
          errors5xx: sum.errors5xx,
          ...(latency ? { latency } : {}),
        });
      }
      return { variantName, periods };
    });
  }

  /** Each variant's labelled replay rows so far. */
  replayLabelled(): [LabelledSummary, LabelledSummary] {
    return [this.replay[0].summary(), this.replay[1].summary()];
  }

  pairedSummary(): PairedSummary {
    return this.paired.summary();
  }

  /** Captured predictions that landed by now and were not read before, one period per bucket. */
  newCaptures(): ScoreShiftPeriod[] {
    const out: ScoreShiftPeriod[] = [];
    while (this.capturesFolded < this.captures.length && this.captures[this.capturesFolded].visibleAt <= this.now) {
      const b = this.captures[this.capturesFolded++];
      out.push({ candidateWeight: b.candidateWeight, baseline: b.counts[0], candidate: b.counts[1] });
    }
    return out;
  }

  /** Folds the cohort slices whose label window closed by now; each variant's live labelled rows so far. */
  liveLabelled(): [LabelledSummary, LabelledSummary] {
    const { cohortSliceMs: slice, maxLabelDelayMs } = this.settings;
    const closable = Math.floor((this.now - 1_000 - maxLabelDelayMs - this.closedThrough) / slice);
    for (let k = 0; k < closable; k++) {
      const index = Math.round((this.closedThrough - this.liveFrom) / slice);
      const rows = this.slices.get(index);
      if (rows) {
        rows.forEach((values, v) => {
          for (const x of values) this.live[v].add(x >= 2 ? 1 : 0, x >= 2 ? x - 2 : x);
        });
        this.slices.delete(index);
      }
      this.closedThrough += slice;
    }
    return [this.live[0].summary(), this.live[1].summary()];
  }

  /** A new step: its routed request counts start again. */
  startStep(): void {
    this.stepRequests[0] = 0;
    this.stepRequests[1] = 0;
  }
}

const lerp = ([a, b]: readonly [number, number], u: number) => a + (b - a) * u;
