import { SHARED_WORKFLOW_MODULES } from '../../../src/worker/shared-modules';

// Shared workflow modules are loaded once and deep-frozen for every rollout: they may hold constant data only. A
// function could close over state that one rollout changes and another reads (a determinism leak).
function onlyData(value: unknown, path: string): string[] {
  if (typeof value === 'function') return [`${path} is a function`];
  if (value instanceof Map || value instanceof Set) return [`${path} is a ${value.constructor.name}`];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => onlyData(v, `${path}.${k}`));
  return [];
}

test.each(SHARED_WORKFLOW_MODULES)('%s exports constant data only', (path) => {
  const exported = jest.requireActual<Record<string, unknown>>(path);
  expect(Object.keys(exported).length).toBeGreaterThan(0);
  expect(onlyData(exported, 'exports')).toEqual([]);
});
