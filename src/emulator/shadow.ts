/**
 * Shadow variants: how many requests SageMaker copies to one, and the settings for what AWS does not document.
 *
 * The SageMaker Developer Guide's shadow tests (shadow-tests-create.md): a production variant "receives and responds to
 * 100 percent of the incoming inference requests"; a shadow variant "receives a percentage of the incoming requests,
 * replicated from the production variant, but does not return any responses". Through the API that percentage is the
 * shadow's InitialVariantWeight relative to the production variant's: AWS's example (aws/amazon-sagemaker-examples,
 * archived/shadow-console/Shadow_variant.ipynb) sets the production variant's weight to 1 and the shadow's to 0.5 "to
 * sample and send 50% of the production variant requests to the shadow variant".
 */
import type { EmulatorConfig } from './types';

/**
 * The share of requests routed to the production variant that is copied to the shadow: the shadow's weight over the
 * production variant's. Not documented, and so chosen here: a shadow weighing more than the production variant gets
 * every request (a share cannot pass 100 %), and a production variant of weight 0 (reached only by TargetVariant) has
 * every request copied to a shadow of weight above 0.
 */
export function shadowSamplingShare(productionWeight: number, shadowWeight: number): number {
  if (!(shadowWeight > 0)) return 0;
  if (!(productionWeight > 0)) return 1;
  return Math.min(1, shadowWeight / productionWeight);
}

const KEYS = ['targetVariant', 'copies'];

/** Refuses shadow settings a typo would silently turn into the default. */
export function checkShadowSettings(config: EmulatorConfig): void {
  const s = config.shadow;
  if (s === undefined) return;
  if (typeof s !== 'object' || s === null) throw new Error('emulator config shadow must be an object');
  const extra = Object.keys(s).filter((k) => !KEYS.includes(k));
  if (extra.length > 0) {
    throw new Error(`emulator config shadow has unknown key(s) ${extra.join(', ')} (known: ${KEYS.join(', ')})`);
  }
  if (s.targetVariant !== undefined && !['reject', 'serve'].includes(s.targetVariant)) {
    throw new Error(
      `emulator config shadow.targetVariant must be "reject" or "serve", got ${JSON.stringify(s.targetVariant)}`,
    );
  }
  if (s.copies !== undefined && !['routed', 'answered'].includes(s.copies)) {
    throw new Error(`emulator config shadow.copies must be "routed" or "answered", got ${JSON.stringify(s.copies)}`);
  }
}
