// Guardrail designs 1 (the code before issue 21), 2 (the code before design 3) and 3 (the code before design 4) kept
// for the rollouts older workers started: asked for an earlier design, the current code must decide every evaluation
// exactly as that code did, or a replayed rollout could take another path. Each fixture holds that code's inputs and full results
// (scripts/guardrail-design-fixture.ts says how they were made).
import {
  emptyScoreShift,
  evaluateGuardrails,
  foldScoreShift,
  type GuardrailConfig,
  type GuardrailEvaluation,
  type ScoreShiftPeriod,
} from '../../../src/analysis';
import type { GuardrailInput } from '../../../src/analysis/guardrails';
import { passError } from '../../../src/analysis/guardrail-design';
import type { ScoreShiftStatistics } from '../../../src/analysis/score-shift';
import { GuardrailsSpec } from '../../../src/schema/guardrails';
import { toGuardrailConfig } from '../../../src/schema/guardrail-config';
import fixture from '../../fixtures/analysis/guardrail-design-1.json';
import fixture2 from '../../fixtures/analysis/guardrail-design-2.json';
import fixture3 from '../../fixtures/analysis/guardrail-design-3.json';

interface Case {
  name: string;
  scoreShiftPeriods?: ScoreShiftPeriod[];
  evaluations: { input: GuardrailInput; output: GuardrailEvaluation }[];
}
const cases = fixture.cases as unknown as Case[];
const withDesign = (input: GuardrailInput, config: Partial<GuardrailConfig>): GuardrailInput => ({
  ...input,
  config: { ...input.config, ...config },
});

describe('guardrail design 1 (rollouts started before issue 21)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: every result as the old code gave it', (_, c) => {
    for (const { input, output } of c.evaluations) {
      // The power a newer spec states changes nothing in design 1.
      expect(evaluateGuardrails(withDesign(input, { design: 1, power: 0.8 }))).toEqual(output);
    }
  });

  it('folds the label-free guard uncentred, as the old code did', () => {
    const c = cases.find((x) => x.scoreShiftPeriods)!;
    let stats: ScoreShiftStatistics = emptyScoreShift();
    for (const p of c.scoreShiftPeriods!) stats = foldScoreShift(stats, p, 1);
    expect(stats).toEqual(c.evaluations[c.evaluations.length - 1].input.scoreShift);
    // Design 2 centres the indicators: the same counts give smaller squares (here equal sums: at 50/50 with equal
    // counts the centre cancels from them), so not the old rollout's statistics.
    let centred: ScoreShiftStatistics = emptyScoreShift();
    for (const p of c.scoreShiftPeriods!) centred = foldScoreShift(centred, p);
    expect(centred.squares).not.toEqual(stats.squares);
    expect(centred.squares[7]).toBeLessThan(stats.squares[7]);
  });

  it('is not what design 2 decides on the same evidence (so the choice matters)', () => {
    let differ = 0;
    for (const c of cases) {
      for (const { input, output } of c.evaluations) {
        const current = evaluateGuardrails(withDesign(input, { design: 2, power: 0.8 }));
        if (JSON.stringify(current.results) !== JSON.stringify(output.results)) differ++;
      }
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('passes at the alpha share whatever power the config states', () => {
    const config = { ...toGuardrailConfig(GuardrailsSpec.parse({})), design: 1 as const };
    expect(config.power).toBe(0.8);
    expect(passError(config, 0.01)).toBe(0.01);
    expect(passError({ ...config, design: 2 }, 0.01)).toBeCloseTo(0.2, 12);
    expect(passError({ ...config, design: undefined }, 0.01)).toBeCloseTo(0.2, 12);
  });

  it('is what toGuardrailConfig passes on; absent, the current design judges', () => {
    const spec = GuardrailsSpec.parse({});
    expect(toGuardrailConfig(spec, 0.5, 24, {}, 1).design).toBe(1);
    expect(toGuardrailConfig(spec, 0.5, 24, {}, 2).design).toBe(2);
    expect('design' in toGuardrailConfig(spec)).toBe(false);
  });
});

// Designs 2 and 3: each fixture recorded from the code before its successor, which judges the same evidence otherwise.
const laterDesigns = [
  { design: 2 as const, successor: 3 as const, fixture: fixture2 },
  { design: 3 as const, successor: 4 as const, fixture: fixture3 },
];

describe.each(laterDesigns)('guardrail design $design (rollouts started before design $successor)', (d) => {
  const cases = d.fixture.cases as unknown as Case[];

  it.each(cases.map((c) => [c.name, c] as const))('%s: every result as the old code gave it', (_, c) => {
    for (const { input, output } of c.evaluations) {
      expect(evaluateGuardrails(withDesign(input, { design: d.design }))).toEqual(output);
    }
  });

  it(`is not what design ${d.successor} decides on the same evidence (so the choice matters)`, () => {
    let differ = 0;
    for (const c of cases) {
      for (const { input, output } of c.evaluations) {
        const current = evaluateGuardrails(withDesign(input, { design: d.successor }));
        if (JSON.stringify(current) !== JSON.stringify(output)) differ++;
      }
    }
    expect(differ).toBeGreaterThan(0);
  });
});
