// What goes on the wire where clients notice the details: SageMaker's float members keep their decimal point
// (`1.0`), an InvokeEndpoint body over 6291456 bytes is refused as SageMaker refuses it (413, plain text), and in the
// aws profile a bad InferenceId is refused by input validation.
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { ADMIN_CREDENTIALS, deployEndpoint, errorOf, type Harness, startHarness, waitForStatus } from './helpers';

const ROW = '13,30.94,0,1,1,3,199.8,7';

/** The raw text of a SageMaker JSON answer (the SDK would parse it, hiding how numbers were written). */
async function rawSageMaker(url: string, operation: string, input: unknown): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `SageMaker.${operation}` },
    body: JSON.stringify(input),
  });
  expect(res.status).toBe(200);
  return res.text();
}

describe('ideal profile', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployEndpoint(h.sm, 'wire', [
      { variant: 'A', model: 'wire-a', artifact: 'champion', weight: 1 },
      { variant: 'B', model: 'wire-b', artifact: 'challenger', weight: 3 },
    ]);
  });
  afterAll(() => h.close());

  test('weights are written as floats (1.0), other numbers as they are', async () => {
    const config = await rawSageMaker(h.emulator.url, 'DescribeEndpointConfig', { EndpointConfigName: 'wire-config' });
    expect(config).toContain('"InitialVariantWeight":1.0');
    expect(config).toContain('"InitialVariantWeight":3.0');
    expect(config).toContain('"InitialInstanceCount":1,');

    await h.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'wire',
        DesiredWeightsAndCapacities: [
          { VariantName: 'A', DesiredWeight: 0.25 },
          { VariantName: 'B', DesiredWeight: 2 },
        ],
      }),
    );
    await waitForStatus(h.sm, 'wire');
    const endpoint = await rawSageMaker(h.emulator.url, 'DescribeEndpoint', { EndpointName: 'wire' });
    expect(endpoint).toMatch(/"CurrentWeight":0\.25,"DesiredWeight":0\.25/);
    expect(endpoint).toMatch(/"CurrentWeight":2\.0,"DesiredWeight":2\.0/);
    expect(endpoint).toContain('"CurrentInstanceCount":1');
    expect(endpoint).not.toContain('"CurrentInstanceCount":1.0');
    // The SDK reads the same numbers either way.
    const parsed = JSON.parse(endpoint) as { ProductionVariants: { CurrentWeight: number }[] };
    expect(parsed.ProductionVariants.map((v) => v.CurrentWeight)).toEqual([0.25, 2]);
  });

  test('a body of 6291456 bytes is served; one byte more is HTTP 413 "HTTP content length exceeded"', async () => {
    // A CSV row padded with spaces to the exact limit: the container still reads one row.
    const atLimit = Buffer.alloc(6291456, ' ');
    atLimit.write(ROW);
    const ok = await h.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'wire', ContentType: 'text/csv', TargetVariant: 'A', Body: atLimit }),
    );
    expect(Number(new TextDecoder().decode(ok.Body))).toBeGreaterThan(0);

    const over = Buffer.alloc(6291457, ' ');
    over.write(ROW);
    const err = await errorOf(() =>
      h.runtime.send(new InvokeEndpointCommand({ EndpointName: 'wire', ContentType: 'text/csv', Body: over })),
    );
    // The body is plain text with no error type: SDK v3's JSON error parser fails on it and throws a SyntaxError
    // carrying the status (botocore reports it as error code "413" with the text as its message).
    expect(err.$metadata?.httpStatusCode).toBe(413);
    expect(err.name).toBe('SyntaxError');
    expect(err.message).toContain('"HTTP conte"');
    const log = await h.admin.requests({ service: 'Runtime' });
    expect(log.at(-1)).toMatchObject({ status: 413, errorCode: '413', endpointName: 'wire' });
  });

  test('the ideal profile takes any InferenceId, as before', async () => {
    const out = await h.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'wire',
        ContentType: 'text/csv',
        Body: ROW,
        InferenceId: 'x'.repeat(65),
      }),
    );
    expect(out.InvokedProductionVariant).toBeDefined();
  });
});

describe('aws profile', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      {
        profile: 'aws',
        awsBehaviour: { consistencySeconds: 0 }, // new resources visible at once: not what this test is about
        timeScale: 0.001,
      },
      'us-east-1',
      ADMIN_CREDENTIALS,
    );
    await deployEndpoint(h.sm, 'wire', [{ variant: 'A', model: 'wire-a', artifact: 'champion' }]);
  });
  afterAll(() => h.close());

  test.each([
    ['x'.repeat(65), 'Member must have length less than or equal to 64'],
    ['café', 'Member must satisfy regular expression pattern: \\A\\S[\\p{Print}]*\\z'],
    ['tab\tinside', 'Member must satisfy regular expression pattern: \\A\\S[\\p{Print}]*\\z'],
  ])('InferenceId %j is a ValidationError: %s', async (id, why) => {
    const err = await errorOf(() =>
      h.runtime.send(
        new InvokeEndpointCommand({ EndpointName: 'wire', ContentType: 'text/csv', Body: ROW, InferenceId: id }),
      ),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toBe(
      `1 validation error detected: Value '${id}' at 'inferenceId' failed to satisfy constraint: ${why}`,
    );
  });

  test('a 64-character printable InferenceId is accepted', async () => {
    const out = await h.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'wire',
        ContentType: 'text/csv',
        Body: ROW,
        InferenceId: 'a~ '.repeat(21) + 'z',
      }),
    );
    expect(out.InvokedProductionVariant).toBe('A');
  });
});
