// Flat config: typescript-eslint's recommended rules; Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

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
  {
    // Workflow code and the statistics it calls run in Temporal's deterministic sandbox: no Node built-ins, no
    // environment, no randomness. (Date.now is fine in workflows: the sandbox makes it deterministic.)
    files: ['src/workflows/**/*.ts', 'src/analysis/**/*.ts', 'src/schema/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'child_process'],
              message: 'Workflow code does no I/O.',
            },
            { group: ['@aws-sdk/*'], message: 'AWS calls belong in src/activities.' },
            {
              group: ['../activities/*', '!../activities/index'],
              message: 'Import activity types only, through proxyActivities.',
            },
          ],
        },
      ],
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
  {
    // src/analysis is statistics on plain numbers: it knows no spec (src/schema maps the spec to its GuardrailConfig,
    // in guardrail-config.ts). Same sandbox rules as above, plus no import of src/schema.
    files: ['src/analysis/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./schema(/.*)?$',
              message: 'src/analysis knows no spec: take plain numbers (GuardrailConfig), mapped in src/schema.',
            },
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'child_process'],
              message: 'Workflow code does no I/O.',
            },
            { group: ['@aws-sdk/*'], message: 'AWS calls belong in src/activities.' },
            {
              group: ['../activities/*', '!../activities/index'],
              message: 'Import activity types only, through proxyActivities.',
            },
          ],
        },
      ],
    },
  },
  {
    // The zod-free files of src/schema, which the workflow imports at run time: zod and the zod schemas only as types.
    files: ['src/schema/duration.ts', 'src/schema/signal-check.ts', 'src/schema/guardrail-config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(zod(/.*)?|\\./(index|spec|signals|guardrails|names|errors))$',
              allowTypeImports: true,
              message: 'The workflow imports this file: keep zod out of it (type imports only).',
            },
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'child_process'],
              message: 'Workflow code does no I/O.',
            },
            { group: ['@aws-sdk/*'], message: 'AWS calls belong in src/activities.' },
          ],
        },
      ],
    },
  },
  {
    // zod and the zod schemas cost about 1.3 MB per running workflow (each workflow gets its own module copies):
    // workflow code takes types from src/spec, and at run time only its zod-free files.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(zod(/.*)?|\\.\\./schema(/(index|spec|signals|guardrails|names|errors))?)$',
              allowTypeImports: true,
              message:
                'Keep zod out of the workflow bundle: use ../schema/duration, ../schema/signal-check, or a type import.',
            },
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'crypto', 'child_process'],
              message: 'Workflow code does no I/O.',
            },
            { group: ['@aws-sdk/*'], message: 'AWS calls belong in src/activities.' },
            {
              group: ['../activities/*', '!../activities/index'],
              message: 'Import activity types only, through proxyActivities.',
            },
          ],
        },
      ],
    },
  },
);
