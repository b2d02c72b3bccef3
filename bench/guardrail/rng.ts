// Seeded randomness for bench:guardrail (the code under test never draws random numbers).
import { seeded } from '../random'; // the tests' Mulberry32: one generator, same streams

export class Rng {
  readonly uniform: () => number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.uniform = seeded(seed);
  }

  /** Standard normal (Box–Muller, both halves used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Binomial(n, p) by geometric skips: about n·p + 1 draws. */
  binomial(n: number, p: number): number {
    if (p <= 0 || n <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    const logQ = Math.log1p(-p);
    let x = 0;
    let position = Math.floor(Math.log(1 - this.uniform()) / logQ);
    while (position < n) {
      x++;
      position += 1 + Math.floor(Math.log(1 - this.uniform()) / logQ);
    }
    return x;
  }
}

/** A stable 32-bit hash of a string (FNV-1a): seeds keyed by scenario name, not by position in a list. */
export function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Seeds that depend on the scenario, the rollout and the seed set only (not on how work is split). */
export const seedOf = (scenario: string, rollout: number, seedSet: number) =>
  (Math.imul(hashOf(scenario) + 1, 0x9e3779b1) ^
    Math.imul(rollout + 1, 0x2c1b3c6d) ^
    Math.imul(seedSet, 0x85ebca6b)) >>>
  0;
