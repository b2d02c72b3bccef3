#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx model-rollout …` works from a fresh clone without a build step.
'use strict';
// The AWS SDK warns on every run under Node 20 that its releases after January 2027 will need Node 22. The lockfile
// pins releases that support Node 20, so for CLI users it is noise (docs/production.md says it once). The SDK's own
// switch turns it off; set it to anything else to see the warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../src/cli/main.ts')
  .run(process.argv)
  .then((code) => process.exit(code));
