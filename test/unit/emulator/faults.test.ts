import { FaultStore, Rng, validateFaults } from '../../../src/emulator/faults';
import { RequestLog } from '../../../src/emulator/request-log';

describe('Rng', () => {
  test('the same seed gives the same sequence; lognormal has the asked median', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
    const r = new Rng(5);
    const xs = Array.from({ length: 20_001 }, () => r.lognormal(8, 0.5)).sort((x, y) => x - y);
    expect(xs[10_000]).toBeGreaterThan(7.7);
    expect(xs[10_000]).toBeLessThan(8.3);
    expect(new Rng(1).lognormal(8, 0)).toBe(8);
  });
});

describe('faults', () => {
  test('validation names the bad field', () => {
    expect(() => validateFaults({ endpoint: {} })).toThrow('faults.endpoint is not a fault');
    expect(() => validateFaults({ endpoints: { e: { variants: { V: { errorRate5xx: 1.5 } } } } })).toThrow(
      'faults.endpoints.e.variants.V.errorRate5xx must be a number between 0 and 1',
    );
    expect(() => validateFaults({ operations: { InvokeEndpoint: {} } })).toThrow(/operation keys look like/);
    expect(() => validateFaults({ delays: { createMs: -1 } })).toThrow(
      'faults.delays.createMs must be a non-negative number',
    );
    expect(validateFaults({ endpoints: { e: { updateFails: 'why' } }, cloudwatchNoData: true })).toBeTruthy();
    expect(() => validateFaults({ operations: { 'SageMaker.DeleteModel': { responseDelayMs: -5 } } })).toThrow(
      'faults.operations.SageMaker.DeleteModel.responseDelayMs must be a non-negative number',
    );
  });

  test('responseDelayMs is per operation, 0 when not set', () => {
    const store = new FaultStore(new Rng(1), { operations: { 'SageMaker.DeleteModel': { responseDelayMs: 1500 } } });
    expect(store.responseDelayMs('SageMaker.DeleteModel')).toBe(1500);
    expect(store.responseDelayMs('SageMaker.CreateModel')).toBe(0);
  });

  test('failNext counts down per call, then the rates apply', () => {
    const store = new FaultStore(new Rng(1), {
      operations: { 'SageMaker.UpdateEndpoint': { failNext: 2, failWith: 'throttle' } },
    });
    expect([store.operation('SageMaker.UpdateEndpoint'), store.operation('SageMaker.UpdateEndpoint')]).toEqual([
      'throttle',
      'throttle',
    ]);
    expect(store.operation('SageMaker.UpdateEndpoint')).toBe('ok');
    expect(store.operation('SageMaker.CreateModel')).toBe('ok');
    store.replace({ operations: { 'CloudWatch.GetMetricData': { errorRate5xx: 1 } } });
    expect(store.operation('CloudWatch.GetMetricData')).toBe('5xx');
  });

  test('updateFails fires once', () => {
    const store = new FaultStore(new Rng(1), { endpoints: { churn: { updateFails: true } } });
    expect(store.takeUpdateFailure('churn')).toMatch(/ping health check/);
    expect(store.takeUpdateFailure('churn')).toBeUndefined();
  });

  test('capacityUpdateFails fires once, apart from updateFails; it must be true/false or a reason', () => {
    const store = new FaultStore(new Rng(1), { endpoints: { churn: { capacityUpdateFails: 'no capacity' } } });
    expect(store.takeUpdateFailure('churn')).toBeUndefined();
    expect(store.takeCapacityUpdateFailure('churn')).toBe('no capacity');
    expect(store.takeCapacityUpdateFailure('churn')).toBeUndefined();
    store.replace({ endpoints: { churn: { capacityUpdateFails: true } } });
    expect(store.takeCapacityUpdateFailure('churn')).toMatch(/injected fault/);
    expect(() => validateFaults({ endpoints: { e: { capacityUpdateFails: 3 } } })).toThrow(
      'faults.endpoints.e.capacityUpdateFails must be true/false or a FailureReason string',
    );
  });

  test('updateEndsIn fires once, with one of the statuses that need a person', () => {
    const store = new FaultStore(new Rng(1), { endpoints: { churn: { updateEndsIn: 'OutOfService' } } });
    expect(store.takeUpdateEnding('churn')).toBe('OutOfService');
    expect(store.takeUpdateEnding('churn')).toBeUndefined();
    expect(() => validateFaults({ endpoints: { e: { updateEndsIn: 'Failed' } } })).toThrow(
      'faults.endpoints.e.updateEndsIn must be "UpdateRollbackFailed" or "OutOfService"',
    );
  });

  test('merge is deep and null removes; the stored faults are a copy', () => {
    const store = new FaultStore(new Rng(1));
    store.merge({ endpoints: { a: { variants: { X: { errorRate5xx: 0.1 } } } } });
    store.merge({ endpoints: { a: { variants: { X: { latencyMedianMs: 5 }, Y: { throttleRate: 0.2 } } } } });
    expect(store.get()).toEqual({
      endpoints: { a: { variants: { X: { errorRate5xx: 0.1, latencyMedianMs: 5 }, Y: { throttleRate: 0.2 } } } },
    });
    store.merge({ endpoints: { a: { variants: { X: null } } } });
    const got = store.get();
    expect(got).toEqual({ endpoints: { a: { variants: { Y: { throttleRate: 0.2 } } } } });
    got.endpoints!.a.variants!.Y.throttleRate = 1;
    expect(store.variant('a', 'Y')?.throttleRate).toBe(0.2);
  });
});

describe('RequestLog', () => {
  test('keeps the newest entries up to its limit, seq keeps counting, filters by since/service', () => {
    const log = new RequestLog(3);
    for (let i = 0; i < 5; i++) {
      log.add({
        atMs: 1_700_000_000_000 + i,
        service: i % 2 ? 'Runtime' : 'SageMaker',
        operation: i === 4 ? 'CreateModel' : 'DescribeEndpoint',
        region: 'us-east-1',
        status: 200,
        changedState: false,
        durationMs: 1,
      });
    }
    const all = log.list();
    expect(all.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(all[2]).toMatchObject({
      operation: 'CreateModel',
      mutating: true,
      at: new Date(1_700_000_000_004).toISOString(),
    });
    expect(log.list({ since: 3 }).map((e) => e.seq)).toEqual([4, 5]);
    expect(log.list({ service: 'Runtime' }).map((e) => e.seq)).toEqual([4]);
    log.clear();
    expect(log.list()).toEqual([]);
  });
});
