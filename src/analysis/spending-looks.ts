// The error-spending test's looks: which evaluations are looks (soak time alone decides), what each guardrail's
// information was at them, and design 3's information clock, which spends a guardrail's share by the information its
// fixed horizon plans.
import type { Comparison } from './comparison';
import type { Look } from './error-spending';
import { ERROR_SPENDING_SHARE, MAX_SPENDING_LOOKS, MIN_TARGET } from './guardrail-design';
import { normalQuantile } from './normal';
import type { GuardrailName, SoakSchedule, SpendingLook } from './types';

/**
 * Statistical information of a comparison of two independent samples, up to a constant: 1/(1/n_b + 1/n_c). The
 * error-spending test only uses ratios of it between looks (the correlation of their z statistics), so the constant
 * (the per-request variance) cancels; counting requests rather than inverting the plug-in variance keeps the
 * information increasing and free of the outcomes being tested.
 */
function informationOf(samples: { baseline: number; candidate: number }): number {
  const { baseline: b, candidate: c } = samples;
  return b > 0 && c > 0 ? (b * c) / (b + c) : 0;
}

/**
 * This evaluation's look, when it is one: its soak fraction is at least 1/MAX_SPENDING_LOOKS past the last look's, and
 * no look has reached the end of the planned soak (after which the test has nothing left to spend). Soak time alone
 * decides, never the data. Its information is filled in by spendingOf, per judged guardrail.
 */
export function spendingLookAt(schedule: SoakSchedule): SpendingLook | null {
  const last = schedule.looks.length > 0 ? schedule.looks[schedule.looks.length - 1].soakFraction : 0;
  if (!(last < 1)) return null;
  // A tiny slack so that evaluations exactly 1/MAX apart in soak time stay looks despite rounding of the fraction.
  if (!(schedule.soakFraction - last >= 1 / MAX_SPENDING_LOOKS - 1e-9)) return null;
  return { soakFraction: schedule.soakFraction, information: {} };
}

/**
 * The error-spending looks of a rate or quality comparison: every earlier look at which this guardrail was judged
 * (it had a difference), then this evaluation when it is a look (recording the guardrail's information in it, and with
 * design 3's `clock` its spending clock where that ran ahead of the soak fraction); and the latest earlier look at
 * which it crossed its pass boundary (design 4).
 * Latency has its own finite-horizon test; a comparison that cannot be judged yet is no look and not judged.
 */
export function spendingOf(
  c: Comparison,
  schedule: SoakSchedule,
  look: SpendingLook | null,
  clock: ((c: Comparison) => number) | null,
): { looks: Look[]; atLook: boolean; passedAt?: number } | null {
  if (c.guardrail === 'latency' || c.degreesOfFreedom !== undefined || c.missing !== undefined) return null;
  const looks: Look[] = [];
  let passedAt: number | undefined;
  for (const earlier of schedule.looks) {
    const information = earlier.information[c.guardrail];
    const fraction = earlier.fraction?.[c.guardrail] ?? earlier.soakFraction;
    if (information === undefined) continue;
    if (earlier.passed?.includes(c.guardrail)) passedAt = looks.length;
    looks.push({ fraction, information });
  }
  // A guardrail whose clock reached the end (design 3: its information fraction can, before the soak does) has spent
  // its part of the share: it takes no more looks, and the mixture judges alone, as after the planned soak.
  const last = looks.length > 0 ? looks[looks.length - 1].fraction : 0;
  const spent = !(last < 1);
  if (look && !spent) {
    const information = informationOf(c.samples);
    look.information[c.guardrail] = information;
    let fraction = look.soakFraction;
    if (clock) {
      // The clock never goes back (the plug-in variance may grow between looks): a look that does not advance it is
      // no look, and its alpha rolls forward (error-spending.ts). Recorded only where it ran ahead of the soak, so a
      // guardrail on the soak clock keeps its looks as small as design 2's.
      fraction = Math.max(fraction, clock(c), last);
      if (fraction !== look.soakFraction) (look.fraction ??= {})[c.guardrail] = fraction;
    }
    looks.push({ fraction, information });
  }
  return { looks, atLook: look !== null && !spent, ...(passedAt !== undefined ? { passedAt } : {}) };
}

/**
 * Design 3's error-spending clock for one guardrail (README.md, "Within the planned soak"): the larger of the soak
 * fraction and the information fraction I/I_max, I = 1/v the comparison's statistical information (its estimate's
 * inverse variance) and I_max = ((q(1 − a) + q(power))/tolerance)² the information at which a fixed-horizon test at the
 * spending part a of the share detects the tolerance with the spec's power (the maximum-information design of Jennison
 * & Turnbull 2000, §7.2; Lan & DeMets 1983 define their clock as this information fraction). A regression is caught
 * when the information is a fraction of what the fixed horizon plans, long before the soak the steps may take, so the
 * test spends its share where it decides instead of over the whole planned soak. The information comes from the
 * plug-in variance, which depends on the data only through nuisance parameters (a pooled error rate, the score
 * distributions), not the difference tested: information-based monitoring (C. R. Mehta & A. A. Tsiatis, *Flexible
 * sample size considerations using information-based interim monitoring*, Drug Information Journal 2001). The bench's
 * A/A rows and a seeded Monte Carlo in guardrails-spending.test.ts measure what that costs in false rollbacks.
 */
export function informationClock(share: number, power: number): (c: Comparison) => number {
  const q = normalQuantile(1 - ERROR_SPENDING_SHARE * share) + normalQuantile(power);
  return (c) => {
    const target = Math.max(c.tolerance, MIN_TARGET[c.guardrail]);
    // The information that matters is what a candidate worse by the tolerance would give, and such a candidate's
    // proportion has per-unit variance at least target·(1 − target) (its rate is at least the tolerance, or its
    // accuracy at most 1 − the tolerance). Without the floor, two variants with no errors at all would have a plug-in
    // variance shrinking like 1/n² and end the clock after a few hundred requests.
    const n = c.samples.candidate;
    const floor = PROPORTIONS.has(c.guardrail) && n > 0 ? (target * (1 - target)) / n : 0;
    const variance = Math.max(c.variance, floor);
    return variance > 0 ? (target * target) / (q * q * variance) : 0;
  };
}

/** The guardrails whose estimate is a difference of proportions (the information clock's variance floor). */
const PROPORTIONS: ReadonlySet<GuardrailName> = new Set([
  'errorRate5xx',
  'errorRate4xx',
  'accuracy',
  'precision',
  'recall',
]);
