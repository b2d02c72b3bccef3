/**
 * SageMaker's JSON answers written as the service writes them. Members the service model types as `float`
 * (VariantWeight: CurrentWeight, DesiredWeight, InitialVariantWeight) always carry a decimal point on the wire
 * (`"CurrentWeight":1.0`); JSON.stringify writes `1`, which clients that keep a JSON number's type (Python's json
 * module under boto3, for one) read back as an int. The paths below are every float member reachable from the
 * outputs of the operations the emulator serves, read from botocore's `sagemaker/2017-07-24/service-2.json`
 * (shape VariantWeight, type float).
 */

const VARIANT_WEIGHTS = ['CurrentWeight', 'DesiredWeight'];

function under(prefix: string, members: string[]): string[] {
  return members.map((m) => `${prefix}.${m}`);
}

/** Operation → the float members of its output, as dotted paths with `[]` for list elements. */
export const SAGEMAKER_FLOAT_PATHS: Record<string, ReadonlySet<string>> = {
  DescribeEndpoint: new Set([
    ...under('ProductionVariants[]', VARIANT_WEIGHTS),
    ...under('ShadowProductionVariants[]', VARIANT_WEIGHTS),
    ...under('PendingDeploymentSummary.ProductionVariants[]', VARIANT_WEIGHTS),
    ...under('PendingDeploymentSummary.ShadowProductionVariants[]', VARIANT_WEIGHTS),
  ]),
  DescribeEndpointConfig: new Set([
    'ProductionVariants[].InitialVariantWeight',
    'ShadowProductionVariants[].InitialVariantWeight',
  ]),
};

function write(value: unknown, path: string, floats: ReadonlySet<string>): string {
  if (typeof value === 'number') {
    // A whole float keeps its ".0"; other numbers (and non-finite ones, which JSON writes as null) as JSON does.
    return floats.has(path) && Number.isInteger(value) && Math.abs(value) < 1e21 ? `${value}.0` : JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    const at = `${path}[]`;
    return `[${value.map((v) => (v === undefined ? 'null' : write(v, at, floats))).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function') continue;
      parts.push(`${JSON.stringify(k)}:${write(v, path === '' ? k : `${path}.${k}`, floats)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The JSON text of an answer, floats written with their decimal point where the operation's model says float. */
export function toWireJson(body: unknown, floatPaths: ReadonlySet<string> | undefined): string {
  return floatPaths === undefined || floatPaths.size === 0 ? JSON.stringify(body) : write(body, '', floatPaths);
}
