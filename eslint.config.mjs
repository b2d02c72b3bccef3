// Flat config: typescript-eslint's recommended rules; Prettier owns formatting; and the project's layers.
//
// Layers run one way: CLI → worker → workflows → activities → AWS. src/analysis is pure (no spec, no AWS, no
// Temporal), src/schema holds the zod schemas, src/emulator stands alone (it plays AWS), src/local is the local stack
// the CLI's demo and the tests use. Nothing in src imports test/, scripts/ or bench/; bench/ never imports test/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Relative paths to `name` from a file one or two folders below it (`../cli`, `../../cli/x`). */
const upTo = (name) => ['../', '../../', '../../../'].flatMap((up) => [`${up}${name}`, `${up}${name}/**`]);

/** An import pattern that forbids rooms of src. */
const rooms = (names, message) => ({ group: names.flatMap(upTo), message });

const outsideSrc = {
  group: ['test', 'scripts', 'bench'].flatMap((name) => upTo(`../${name}`)),
  message: 'src never imports tests, scripts or benchmarks.',
};
const noIo = {
  group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'child_process'],
  message: 'Workflow code does no I/O.',
};
const noAws = { group: ['@aws-sdk/*'], message: 'AWS calls belong in src/activities.' };
const activityTypesOnly = {
  group: ['../activities/*', '!../activities/index'],
  message: 'Import activity types only, through proxyActivities.',
};
const zodFree = {
  regex: '^(zod(/.*)?|\\.\\./schema(/(index|spec|signals|guardrails|names|errors|notifications))?)$',
  allowTypeImports: true,
  message:
    'Keep zod out of the workflow bundle: use ../schema/duration, ../schema/signal-check, ../schema/approvers, or a type import.',
};
const upward = (from, names) => rooms(names, `${from} sits below ${names.join(', ')}: layers run one way.`);

/** One config object per room: every restriction that room has (flat config keeps only the last of a rule). */
const layer = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [outsideSrc, ...patterns] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'test/fixtures/', 'demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  layer(['src/**/*.ts'], []),
  layer(['src/cli/**/*.ts'], []),
  layer(['src/local/**/*.ts'], [upward('src/local', ['cli'])]),
  layer(['src/worker/**/*.ts'], [upward('src/worker', ['cli', 'local', 'emulator'])]),
  // zod and the zod schemas cost about 1.3 MB per running workflow (each workflow gets its own module copies):
  // workflow code takes types from src/schema, and at run time only its zod-free files.
  layer(
    ['src/workflows/**/*.ts'],
    [zodFree, noIo, noAws, activityTypesOnly, upward('src/workflows', ['cli', 'local', 'worker', 'emulator'])],
  ),
  layer(['src/activities/**/*.ts'], [upward('src/activities', ['cli', 'local', 'worker', 'workflows', 'emulator'])]),
  // The statistics run in the workflow sandbox too, and know nothing of the spec, AWS or Temporal.
  layer(
    ['src/analysis/**/*.ts'],
    [
      noIo,
      noAws,
      rooms(
        ['cli', 'local', 'worker', 'workflows', 'activities', 'emulator'],
        'src/analysis is pure: it knows no AWS or Temporal.',
      ),
    ],
  ),
  layer(
    ['src/schema/**/*.ts'],
    [noIo, noAws, upward('src/schema', ['cli', 'local', 'worker', 'workflows', 'activities', 'emulator'])],
  ),
  // The zod-free files of src/schema, which the workflow imports at run time: zod and the zod schemas as types only.
  layer(
    [
      'src/schema/duration.ts',
      'src/schema/signal-check.ts',
      'src/schema/guardrail-config.ts',
      'src/schema/approvers.ts',
      'src/schema/capacity.ts',
    ],
    [
      {
        regex: '^(zod(/.*)?|\\./(index|spec|signals|guardrails|names|errors|notifications))$',
        allowTypeImports: true,
        message: 'The workflow imports this file: keep zod out of it (type imports only).',
      },
      noIo,
      noAws,
      upward('src/schema', ['cli', 'local', 'worker', 'workflows', 'activities', 'emulator']),
    ],
  ),
  // The emulator plays AWS: it shares no code with the rollout it serves.
  layer(
    ['src/emulator/**/*.ts'],
    [
      rooms(
        ['cli', 'local', 'worker', 'workflows', 'activities', 'analysis', 'schema'],
        'src/emulator stands alone: it plays AWS for the rollout, so it shares none of its code.',
      ),
    ],
  ),
  {
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: upTo('test'), message: 'Benchmarks never import tests.' }] },
      ],
    },
  },
  {
    // Workflow code and the statistics it calls run in Temporal's deterministic sandbox: no environment, no
    // randomness. (Date.now is fine in workflows: the sandbox makes it deterministic.)
    files: ['src/workflows/**/*.ts', 'src/analysis/**/*.ts', 'src/schema/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'Use workflow-safe randomness.',
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'The workflow sandbox has no process: pass settings in as arguments.' },
        { name: 'require', message: 'Import modules statically so the workflow bundle holds them.' },
      ],
    },
  },
);
