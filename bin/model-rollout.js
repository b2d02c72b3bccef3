#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx model-rollout …` works from a fresh clone without a build step.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts')
  .run(process.argv)
  .then((code) => {
    // Exit once stdout has drained: a piped stdout is asynchronous in Node, and process.exit() at once would cut a
    // large answer (a long rollout's `--json result`) short.
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  });
