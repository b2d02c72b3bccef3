/**
 * The policy callers are bound by in the `aws` profile: the one given (a path or a document), or by default the
 * shipped deploy/iam-policy.json with its placeholders filled the way docs/production.md says to fill them (sed), with
 * the values the demo and the tests use: the replay data lives in bucket `data` (s3://data/churn/holdout.csv), models
 * run as role `SageMakerExecution` (src/local/local-stack.ts DEMO_ROLE), data capture goes to bucket `capture` and
 * ground truth to bucket `labels` (the live-quality tests' and demo's buckets).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePolicy, type Policy } from './policy';

export const SHIPPED_POLICY_PATH = resolve(__dirname, '../../../deploy/iam-policy.json');

/** Placeholder → the emulator's value. */
export const EMULATOR_PLACEHOLDERS: Record<string, string> = {
  'REPLACE-WITH-REPLAY-DATA-BUCKET': 'data',
  'REPLACE-WITH-SAGEMAKER-EXECUTION-ROLE': 'SageMakerExecution',
  'REPLACE-WITH-CAPTURE-BUCKET': 'capture',
  'REPLACE-WITH-GROUND-TRUTH-BUCKET': 'labels',
};

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`IAM policy ${path} cannot be read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`IAM policy ${path} is not JSON: ${(e as Error).message}`);
  }
}

function fill(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [placeholder, value] of Object.entries(values)) out = out.split(placeholder).join(value);
  return out;
}

/** Parses the configured policy (or the shipped default); a placeholder left unfilled is refused, never matched. */
export function loadIamPolicy(source: string | Record<string, unknown> | undefined): Policy {
  let where: string;
  let document: unknown;
  if (source === undefined) {
    where = `${SHIPPED_POLICY_PATH} (placeholders filled for the emulator)`;
    document = JSON.parse(fill(JSON.stringify(readJson(SHIPPED_POLICY_PATH)), EMULATOR_PLACEHOLDERS));
  } else if (typeof source === 'string') {
    where = resolve(source);
    document = readJson(where);
  } else {
    where = 'the iamPolicy document';
    document = source;
  }
  const left = /REPLACE-WITH-[A-Z-]+/.exec(JSON.stringify(document));
  if (left) {
    throw new Error(`IAM policy ${where} still holds the placeholder ${left[0]}: fill it (docs/production.md)`);
  }
  return parsePolicy(document, `IAM policy ${where}`);
}
