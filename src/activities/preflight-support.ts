// Endpoints and models a rollout cannot handle safely, and why: preflight refuses them before any change, rather than
// deploy something that drops a setting, cannot be judged, or cannot exist beside the candidate (aws-behaviour.md #12).
import type { EndpointConfigToCreate, ModelShape } from './sagemaker';

/** Why the endpoint's serving config cannot take a candidate beside its baseline; null when it can. */
export function unsupportedEndpoint(config: EndpointConfigToCreate): string | null {
  const s = config.settings ?? {};
  if (s.AsyncInferenceConfig) {
    return (
      'uses asynchronous inference (AsyncInferenceConfig): SageMaker does not publish Invocations and the other ' +
      'metrics the guardrails judge for async endpoints (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html), ' +
      'and replay traffic calls InvokeEndpoint, not InvokeEndpointAsync; roll it out another way'
    );
  }
  const shadows = (s.ShadowProductionVariants ?? []).map((v) => v.VariantName);
  if (shadows.length > 0) {
    return (
      `has a shadow variant (${shadows.join(', ')}): a config with shadow variants may hold only one production ` +
      'variant ([BC-SM] ShadowProductionVariants), so the candidate cannot join the baseline; end the shadow test first'
    );
  }
  const serverless = config.variants.filter((v) => v.ServerlessConfig).map((v) => v.VariantName);
  if (serverless.length > 0) {
    return (
      `has a serverless variant (${serverless.join(', ')}): serverless endpoints do not support several production ` +
      'variants (SageMaker Developer Guide, serverless endpoints, feature exclusions); roll it out another way'
    );
  }
  const components = config.variants.filter((v) => !v.ModelName).map((v) => v.VariantName);
  if (components.length > 0) {
    return (
      `has a variant without a model (${components.join(', ')}): it hosts inference components, which are deployed ` +
      'with CreateInferenceComponent and invoked by InferenceComponentName ([BC-RT] InvokeEndpoint), not as variants; roll it out another way'
    );
  }
  return null;
}

/** Why a model cannot take part in a rollout; null when it can. */
export function unsupportedModel(model: ModelShape): string | null {
  if (model.containers > 1) {
    return (
      `is an inference pipeline (${model.containers} containers): the rollout deploys and compares single-container ` +
      'models and does not carry pipelines over (aws-behaviour.md #12); roll it out another way'
    );
  }
  if (model.multiModel) {
    return (
      'serves several models from one container (Mode MultiModel): every request must name its TargetModel ' +
      '([BC-RT] InvokeEndpoint), which replay traffic does not, and a variant is then not one model; roll it out another way'
    );
  }
  return null;
}
