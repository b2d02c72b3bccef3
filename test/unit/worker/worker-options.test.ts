import { cacheWarning, workerOptionsFromEnv } from '../../../src/worker/worker';

describe('workerOptionsFromEnv', () => {
  test('reads every tuning knob a deployment may set', () => {
    expect(
      workerOptionsFromEnv({
        MODEL_ROLLOUT_TASK_QUEUE: 'rollouts-eu',
        MODEL_ROLLOUT_POLL_MS: '250',
        MODEL_ROLLOUT_MAX_CACHED_WORKFLOWS: '500',
        MODEL_ROLLOUT_MAX_CONCURRENT_ACTIVITIES: '300',
        MODEL_ROLLOUT_MAX_CONCURRENT_LOCAL_ACTIVITIES: '150',
        MODEL_ROLLOUT_MAX_CONCURRENT_WORKFLOW_TASKS: '60',
      }),
    ).toEqual({
      taskQueue: 'rollouts-eu',
      pollIntervalMs: 250,
      tuning: {
        maxCachedWorkflows: 500,
        maxConcurrentActivityTaskExecutions: 300,
        maxConcurrentLocalActivityExecutions: 150,
        maxConcurrentWorkflowTaskExecutions: 60,
      },
    });
  });

  test('leaves SDK defaults alone when nothing is set', () => {
    expect(workerOptionsFromEnv({})).toEqual({});
    expect(workerOptionsFromEnv({ MODEL_ROLLOUT_MAX_CACHED_WORKFLOWS: '' })).toEqual({});
  });

  test.each(['0', '-3', '1.5', 'lots'])('refuses %s, naming the variable and what it must be', (raw) => {
    expect(() => workerOptionsFromEnv({ MODEL_ROLLOUT_MAX_CONCURRENT_LOCAL_ACTIVITIES: raw })).toThrow(
      `MODEL_ROLLOUT_MAX_CONCURRENT_LOCAL_ACTIVITIES=${raw}: must be a whole number above 0`,
    );
  });
});

describe('cacheWarning', () => {
  test('warns when a capped heap leaves the SDK default cache small, naming the knob', () => {
    expect(cacheWarning(10, false)).toMatch(/10 cached rollouts.*MODEL_ROLLOUT_MAX_CACHED_WORKFLOWS/);
    expect(cacheWarning(117, false)).toMatch(/117 cached rollouts/);
  });

  test('stays quiet when the cache is large or the user chose its size', () => {
    expect(cacheWarning(2311, false)).toBeNull();
    expect(cacheWarning(200, false)).toBeNull();
    expect(cacheWarning(10, true)).toBeNull();
  });
});
