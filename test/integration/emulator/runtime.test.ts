// SageMaker Runtime InvokeEndpoint through the real @aws-sdk/client-sagemaker-runtime: scores equal xgboost's own
// (test/fixtures, written by xgboost 1.7.4) to 1e-6, the weighted split, TargetVariant pinning, error answers as
// typed exceptions, and faults injected through the admin API.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeEndpointCommand, type InvokeEndpointCommandOutput } from '@aws-sdk/client-sagemaker-runtime';
import { deployEndpoint, errorOf, type Harness, startHarness } from './helpers';

interface Fixture {
  name: string;
  model_text: string;
  rows: (number | null)[][];
  expected: number[][];
}

const FIXTURES = join(__dirname, '../../fixtures/xgboost');
const fixtures: Fixture[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Fixture);
const holdout = readFileSync(join(__dirname, '../../../examples/churn/holdout.csv'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(',').slice(1).join(','));

let h: Harness;
const decode = (out: InvokeEndpointCommandOutput) => new TextDecoder().decode(out.Body);

function invoke(
  endpointName: string,
  body: string,
  extra: Partial<ConstructorParameters<typeof InvokeEndpointCommand>[0]> = {},
) {
  return h.runtime.send(
    new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: 'text/csv', Body: body, ...extra }),
  );
}

/** Runs `count` calls of fn with at most `width` in flight. */
async function pool<T>(count: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

beforeAll(async () => {
  h = await startHarness();
  mkdirSync(join(h.dataDir, 'fixtures'), { recursive: true });
  for (const fx of fixtures) writeFileSync(join(h.dataDir, 'fixtures', `${fx.name}.json`), fx.model_text);
  await Promise.all(
    fixtures.map((fx) =>
      deployEndpoint(h.sm, `fx-${fx.name.replace(/_/g, '-')}`, [
        { variant: 'AllTraffic', model: `fx-${fx.name.replace(/_/g, '-')}`, url: `s3://fixtures/${fx.name}.json` },
      ]),
    ),
  );
  await deployEndpoint(h.sm, 'split', [
    { variant: 'Champion', model: 'split-champion', artifact: 'champion', weight: 1 },
    { variant: 'Challenger', model: 'split-challenger', artifact: 'challenger', weight: 3 },
  ]);
  await deployEndpoint(h.sm, 'pinned', [
    { variant: 'Champion', model: 'pinned-champion', artifact: 'champion', weight: 1 },
    { variant: 'Shadow', model: 'pinned-worse', artifact: 'worse', weight: 0 },
  ]);
}, 60_000);
afterAll(() => h.close());

describe('inference parity with xgboost through the Runtime client', () => {
  test.each(fixtures.map((f) => [f.name, f] as const))(
    '%s scores equal xgboost predict() to 1e-6',
    async (_name, fx) => {
      const csv = fx.rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(','));
      const got: number[][] = [];
      // Many rows per request (as batch clients send) and the SDK's own body handling.
      for (let i = 0; i < csv.length; i += 50) {
        const out = await invoke(`fx-${fx.name.replace(/_/g, '-')}`, csv.slice(i, i + 50).join('\n'));
        expect(out.ContentType).toBe('text/csv');
        expect(out.InvokedProductionVariant).toBe('AllTraffic');
        const lines = decode(out).split('\n');
        expect(lines.pop()).toBe(''); // every line ends in \n, as the container writes it
        got.push(...lines.map((l) => l.split(',').map(Number)));
      }
      expect(got).toHaveLength(fx.expected.length);
      let worst = 0;
      got.forEach((row, i) => {
        expect(row).toHaveLength(fx.expected[i].length);
        row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - fx.expected[i][j]))));
      });
      expect(worst).toBeLessThanOrEqual(1e-6);
    },
  );

  test('a UBJSON model.tar.gz written by xgboost itself serves the same scores', async () => {
    const artifacts = join(__dirname, '../../fixtures/xgboost/artifacts');
    const truth = JSON.parse(readFileSync(join(artifacts, 'expected.json'), 'utf8')) as {
      rows: number[][];
      expected: number[];
    };
    await deployEndpoint(h.sm, 'ubj', [
      { variant: 'AllTraffic', model: 'ubj', url: `file://${join(artifacts, 'ubj-model.tar.gz')}` },
    ]);
    const out = await invoke('ubj', truth.rows.map((r) => r.join(',')).join('\n'));
    const scores = decode(out).trim().split('\n').map(Number);
    scores.forEach((v, i) => expect(Math.abs(v - truth.expected[i])).toBeLessThanOrEqual(1e-6));
    expect(scores).toHaveLength(truth.expected.length);
  });

  test('application/json in and out, in the container shapes', async () => {
    const fx = fixtures.find((f) => f.name === 'multi_softprob')!;
    const rows = fx.rows.slice(0, 3);
    const out = await h.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'fx-multi-softprob',
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify({ instances: rows.map((features) => ({ features })) }),
      }),
    );
    expect(out.ContentType).toBe('application/json');
    const parsed = JSON.parse(decode(out)) as { predictions: { score: number[] }[] };
    parsed.predictions.forEach((p, i) =>
      p.score.forEach((v, j) => expect(Math.abs(v - fx.expected[i][j])).toBeLessThanOrEqual(1e-6)),
    );
  });
});

describe('routing', () => {
  test('the split follows CurrentWeight (1:3) within a chi-square bound', async () => {
    const n = 2000;
    const variants = await pool(
      n,
      16,
      async (i) => (await invoke('split', holdout[i % holdout.length])).InvokedProductionVariant,
    );
    const champion = variants.filter((v) => v === 'Champion').length;
    const challenger = variants.filter((v) => v === 'Challenger').length;
    expect(champion + challenger).toBe(n);
    const chi2 = (champion - n / 4) ** 2 / (n / 4) + (challenger - (3 * n) / 4) ** 2 / ((3 * n) / 4);
    expect(chi2).toBeLessThan(10.83); // p = 0.001 at 1 degree of freedom
  });

  test('TargetVariant pins every request, even to a weight-0 variant; the header names it', async () => {
    const shadow = await pool(50, 8, () => invoke('pinned', holdout[0], { TargetVariant: 'Shadow' }));
    expect(new Set(shadow.map((o) => o.InvokedProductionVariant))).toEqual(new Set(['Shadow']));
    const routed = await pool(50, 8, () => invoke('pinned', holdout[0]));
    expect(new Set(routed.map((o) => o.InvokedProductionVariant))).toEqual(new Set(['Champion']));
    // Different models answer differently: the pin reached the worse model, not the champion.
    expect(decode(shadow[0])).not.toBe(decode(routed[0]));
  });
});

describe('errors', () => {
  test('an unknown endpoint is ValidationError (400)', async () => {
    const err = await errorOf(() => invoke('nope', '1,2,3'));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('Endpoint nope of account 123456789012 not found.');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  test('an unknown TargetVariant is ValidationError', async () => {
    const err = await errorOf(() => invoke('pinned', holdout[0], { TargetVariant: 'Nope' }));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toMatch(/"Nope" is not present/);
  });

  test('a payload the container cannot read is ModelError 424 carrying its 415', async () => {
    const err = await errorOf(() => invoke('pinned', 'a,b,c', { TargetVariant: 'Champion' }));
    expect(err.name).toBe('ModelError');
    expect(err.$metadata?.httpStatusCode).toBe(424);
    expect(err.OriginalStatusCode).toBe(415);
    expect(err.message).toMatch(/^Received client error \(415\) from primary with message "Loading csv data failed/);
    const wide = await errorOf(() => invoke('pinned', Array(40).fill('1').join(',')));
    expect(wide.name).toBe('ModelError');
    expect(String(wide.OriginalMessage)).toMatch(/40 features but the model was trained on 8/);
  });

  test("an unsupported Accept is ModelError with the container's 406", async () => {
    const err = await errorOf(() => invoke('pinned', holdout[0], { Accept: 'application/x-protobuf' }));
    expect(err.name).toBe('ModelError');
    expect(err.OriginalStatusCode).toBe(406);
  });
});

describe('faults through the admin API', () => {
  test('errorRate5xx on one variant: that variant answers ModelError (5XX) at about the rate, the other never', async () => {
    await h.admin.setFaults({ endpoints: { split: { variants: { Challenger: { errorRate5xx: 0.25 } } } } });
    const results = await pool(800, 16, async (i) => {
      try {
        const out = await invoke('split', holdout[i % holdout.length]);
        return { variant: out.InvokedProductionVariant, ok: true };
      } catch (err) {
        const e = err as Error & { OriginalStatusCode?: number; $response?: { headers: Record<string, string> } };
        expect(e.name).toBe('ModelError');
        expect(e.OriginalStatusCode).toBe(500);
        // The failed request still names the variant that answered it.
        return { variant: e.$response?.headers['x-amzn-invoked-production-variant'], ok: false };
      }
    });
    await h.admin.setFaults({});
    const challenger = results.filter((r) => r.variant === 'Challenger');
    const failed = challenger.filter((r) => !r.ok).length / challenger.length;
    expect(failed).toBeGreaterThan(0.17);
    expect(failed).toBeLessThan(0.33);
    expect(results.filter((r) => r.variant === 'Champion' && !r.ok)).toHaveLength(0);
    expect(results.filter((r) => r.variant === undefined)).toHaveLength(0);
  });

  test('throttleRate on a variant answers ThrottlingException', async () => {
    await h.admin.setFaults({ endpoints: { pinned: { variants: { Champion: { throttleRate: 1 } } } } });
    const err = await errorOf(() => invoke('pinned', holdout[0]));
    await h.admin.setFaults({});
    expect(err.name).toBe('ThrottlingException');
  });

  test('an injected latencyMedianMs is felt by the client', async () => {
    await h.admin.setFaults({
      endpoints: { pinned: { variants: { Champion: { latencyMedianMs: 80, latencySigma: 0 } } } },
    });
    const start = Date.now();
    await invoke('pinned', holdout[0]);
    const took = Date.now() - start;
    await h.admin.setFaults({});
    expect(took).toBeGreaterThanOrEqual(78);
  });

  test('operation faults: failNext fails exactly N calls, then calls succeed again', async () => {
    await h.admin.setFaults({ operations: { 'Runtime.InvokeEndpoint': { failNext: 2 } } });
    const first = await errorOf(() => invoke('pinned', holdout[0]));
    const second = await errorOf(() => invoke('pinned', holdout[0]));
    const third = await invoke('pinned', holdout[0]);
    expect([first.name, second.name]).toEqual(['ServiceUnavailable', 'ServiceUnavailable']);
    expect(first.$metadata?.httpStatusCode).toBe(503);
    expect(third.InvokedProductionVariant).toBe('Champion');
    await h.admin.setFaults({ operations: { 'Runtime.InvokeEndpoint': { failNext: 1, failWith: 'throttle' } } });
    expect((await errorOf(() => invoke('pinned', holdout[0]))).name).toBe('ThrottlingException');
    expect((await h.admin.faults()).operations?.['Runtime.InvokeEndpoint']).toEqual({ failWith: 'throttle' });
    await h.admin.setFaults({});
  });

  test('a fault with a typo is refused with the field named', async () => {
    await expect(
      h.admin.setFaults({ endpoints: { split: { variants: { Challenger: { errorRate: 0.5 } as never } } } }),
    ).rejects.toThrow(/faults\.endpoints\.split\.variants\.Challenger\.errorRate is not a fault/);
    await expect(
      h.admin.patchFaults({ endpoints: { split: { variants: { Challenger: { errorRate5xx: 2 } } } } }),
    ).rejects.toThrow(/between 0 and 1/);
  });

  test('PATCH merges and null removes', async () => {
    await h.admin.setFaults({ endpoints: { split: { variants: { Challenger: { errorRate5xx: 0.1 } } } } });
    await h.admin.patchFaults({
      endpoints: { split: { variants: { Champion: { latencyMedianMs: 9 } } } },
      cloudwatchNoData: true,
    });
    expect(await h.admin.faults()).toEqual({
      endpoints: { split: { variants: { Challenger: { errorRate5xx: 0.1 }, Champion: { latencyMedianMs: 9 } } } },
      cloudwatchNoData: true,
    });
    await h.admin.patchFaults({ endpoints: { split: { variants: { Challenger: null } } }, cloudwatchNoData: null });
    expect(await h.admin.faults()).toEqual({
      endpoints: { split: { variants: { Champion: { latencyMedianMs: 9 } } } },
    });
    await h.admin.setFaults({});
  });
});
