// The spec's guardrails section → src/analysis's GuardrailConfig. Here, not in src/analysis, so that the statistics
// know nothing of the spec; and zod-free (the spec's types are imported as types only), because the workflow imports
// this file and zod would be copied into every running workflow (see eslint.config.mjs).
import { QUALITY_METRICS } from '../analysis/types';
import type { GuardrailConfig, GuardrailDesign } from '../analysis/types';
import type { GuardrailsSpec } from './guardrails';

/**
 * @param threshold the score at or above which a labelled row counts as predicted positive (traffic.replay.threshold)
 * @param latencyHorizon the most metric periods the rollout can soak (`soakPeriods` in duration.ts of its steps):
 *   enables latency's group-sequential test. Without it latency uses the t-mixture alone.
 * @param traffic what the spec's traffic section provides: `liveCapture` (traffic.capture or traffic.groundTruth: the
 *   rollout reads captured live predictions, so the label-free scoreShift guard is on unless the spec turns it off) and
 *   `paired` (traffic.replay.paired).
 * @param design the guardrails' design the rollout started with (GuardrailConfig.design; the workflow's
 *   guardrailDesign): absent, the current one.
 */
export function toGuardrailConfig(
  spec: GuardrailsSpec,
  threshold = 0.5,
  latencyHorizon?: number,
  traffic: { liveCapture?: boolean; paired?: boolean } = {},
  design?: GuardrailDesign,
): GuardrailConfig {
  const quality: GuardrailConfig['quality'] = {};
  for (const metric of QUALITY_METRICS) {
    const m = spec.quality[metric];
    if (m) quality[metric] = { tolerance: m.tolerance };
  }
  return {
    alpha: spec.alpha,
    power: spec.power,
    errorRate5xx: { enabled: spec.errorRate5xx.enabled, tolerance: spec.errorRate5xx.tolerance },
    errorRate4xx: { enabled: spec.errorRate4xx.enabled, tolerance: spec.errorRate4xx.tolerance },
    latency: {
      enabled: spec.latency.enabled,
      tolerance: spec.latency.tolerance,
      ...(latencyHorizon !== undefined ? { horizon: latencyHorizon } : {}),
    },
    quality,
    // Paired probes name their variant, so only captured live traffic can show the routing: without it, no check.
    sampleRatio: { enabled: spec.sampleRatio.enabled && !(traffic.paired && !traffic.liveCapture) },
    threshold,
    ...(design !== undefined ? { design } : {}),
    ...(traffic.paired ? { paired: true } : {}),
    ...(traffic.liveCapture
      ? {
          scoreShift: {
            enabled: spec.scoreShift?.enabled ?? true,
            tolerance: spec.scoreShift?.tolerance ?? 0.5,
          },
        }
      : {}),
  };
}
