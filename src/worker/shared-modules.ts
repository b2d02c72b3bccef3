// Workflow modules every cached rollout shares instead of loading its own copy. The SDK's reusable V8 context
// gives each workflow its own instance of every module it imports, except these: loaded once before any workflow
// exists, then deep-frozen. So only constant data belongs here, never state.
//  - group-sequential-table: latency's table of nominal levels, 7,000 numbers (a 60 KB source), which would otherwise
//    be copied into every cached rollout (docs/performance.md, memory).
export const SHARED_WORKFLOW_MODULES: string[] = [require.resolve('../analysis/group-sequential-table')];

/**
 * Workflow interceptor modules every bundle of the rollout holds: sender.ts hands a signal's or update's handler the
 * Temporal identity of the client that sent it, which the decisions record beside `by`.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: string[] = [require.resolve('../workflows/sender')];
