/** @type {import('jest').Config} */
// Three projects: unit (pure code, plus replaying recorded workflow histories), integration (activities and the
// emulator through the real AWS SDK clients) and e2e (workflows on a real Temporal dev server). Only e2e has a global
// setup: Jest runs a project's globalSetup only when at least one of its tests runs, so `jest --selectProjects unit`
// (or `jest test/unit`) starts no Temporal server. Each e2e test uses its own task queue and ids on the one server.
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/harness/quiet-runtime.ts'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    { ...shared, displayName: 'integration', roots: ['<rootDir>/test/integration'] },
    {
      ...shared,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
  // Jest reads the test timeout from the global config only (jest-circus), never from a project's.
  testTimeout: 120_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/harness/summary-reporter.js'],
};
