#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx model-rollout …` works from a fresh clone without a build step.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts')
  .run(process.argv)
  .then((code) => process.exit(code));
