// The worker bundles this module: it must export the workflow functions and nothing that does I/O.
export { modelRollout } from './rollout';
