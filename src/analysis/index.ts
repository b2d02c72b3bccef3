// src/analysis: pure, deterministic statistics for the rollout's guardrails (no I/O, no clocks, no randomness), so
// the workflow can call it directly. See README.md beside this file for the methods and their sources.
export * from './types';
export { classificationMetrics, rocCurve, rocAuc } from './classification';
export { delongAuc, compareAuc, type AucEstimate, type AucComparison } from './delong';
export { evaluateGuardrails, toGuardrailConfig, alphaShares, type AlphaShares } from './guardrails';
export { summarizeVariant } from './summary';
export { normalCdf, normalQuantile } from './normal';
