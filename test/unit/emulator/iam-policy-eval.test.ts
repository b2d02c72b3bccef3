// The emulator's IAM policy evaluation (src/emulator/iam/policy.ts) against the rules of the IAM User Guide's
// policy evaluation logic: explicit Deny wins, no Allow is an implicit deny, wildcards, NotAction/NotResource, and
// the condition operators the shipped policy uses.
import { evaluate, globMatch, parsePolicy } from '../../../src/emulator/iam/policy';

const MODEL = 'arn:aws:sagemaker:us-east-1:123456789012:model/churn-v2';

describe('globMatch', () => {
  test.each([
    ['arn:aws:sagemaker:*:*:model/*', MODEL, true],
    ['arn:aws:sagemaker:*:*:endpoint/*', MODEL, false],
    ['sagemaker:Describe*', 'sagemaker:DescribeEndpoint', true],
    ['sagemaker:Describe?ndpoint', 'sagemaker:DescribeEndpoint', true],
    ['model-rollout:*', 'model-rollout:run-id', true],
    ['model-rollout:*', 'team', false],
    ['*', '', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value, false)).toBe(expected);
  });
});

describe('evaluate', () => {
  const allowModels = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['sagemaker:CreateModel'], Resource: 'arn:aws:sagemaker:*:*:model/*' }],
  };

  test('allows a matching action and resource, action names case-insensitively', () => {
    const p = parsePolicy(allowModels);
    expect(evaluate(p, { action: 'sagemaker:CreateModel', resource: MODEL })).toBe('allow');
    expect(evaluate(p, { action: 'SageMaker:createmodel', resource: MODEL })).toBe('allow');
  });

  test('denies implicitly what no statement allows, and ARNs are case-sensitive', () => {
    const p = parsePolicy(allowModels);
    expect(evaluate(p, { action: 'sagemaker:DeleteModel', resource: MODEL })).toBe('implicitDeny');
    expect(
      evaluate(parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: MODEL.toUpperCase() }] }), {
        action: 'sagemaker:CreateModel',
        resource: MODEL,
      }),
    ).toBe('implicitDeny');
  });

  test('an explicit Deny beats any Allow', () => {
    const p = parsePolicy({
      Statement: [
        { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
        { Effect: 'Deny', Action: 'sagemaker:CreateModel', Resource: MODEL },
      ],
    });
    expect(evaluate(p, { action: 'sagemaker:CreateModel', resource: MODEL })).toBe('explicitDeny');
    expect(evaluate(p, { action: 'sagemaker:DescribeModel', resource: MODEL })).toBe('allow');
  });

  test('NotAction and NotResource match everything except what they list', () => {
    const p = parsePolicy({
      Statement: [
        { Effect: 'Allow', NotAction: 'sagemaker:Delete*', Resource: '*' },
        { Effect: 'Deny', Action: '*', NotResource: 'arn:aws:sagemaker:*:*:model/*' },
      ],
    });
    expect(evaluate(p, { action: 'sagemaker:CreateModel', resource: MODEL })).toBe('allow');
    expect(evaluate(p, { action: 'sagemaker:DeleteModel', resource: MODEL })).toBe('implicitDeny');
    expect(evaluate(p, { action: 'sagemaker:CreateModel', resource: 'arn:aws:s3:::b/k' })).toBe('explicitDeny');
  });

  test('StringEquals on iam:PassedToService, as the shipped PassRole statement uses it', () => {
    const p = parsePolicy({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: 'arn:aws:iam::*:role/SageMakerExecution',
          Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        },
      ],
    });
    const role = 'arn:aws:iam::123456789012:role/SageMakerExecution';
    const pass = (service?: string) =>
      evaluate(p, {
        action: 'iam:PassRole',
        resource: role,
        ...(service ? { context: { 'iam:PassedToService': service } } : {}),
      });
    expect(pass('sagemaker.amazonaws.com')).toBe('allow');
    expect(pass('ec2.amazonaws.com')).toBe('implicitDeny');
    expect(pass()).toBe('implicitDeny');
  });

  test('condition key names are case-insensitive', () => {
    const p = parsePolicy({
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'IAM:passedtoservice': 'x' } } },
      ],
    });
    expect(evaluate(p, { action: 'iam:PassRole', resource: '*', context: { 'iam:PassedToService': 'x' } })).toBe(
      'allow',
    );
  });

  test('ForAllValues:StringLike on aws:TagKeys: every tag key must match; no tags at all also matches', () => {
    const p = parsePolicy({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sagemaker:AddTags',
          Resource: 'arn:aws:sagemaker:*:*:model/*',
          Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['model-rollout:*'] } },
        },
      ],
    });
    const tag = (keys?: string[]) =>
      evaluate(p, {
        action: 'sagemaker:AddTags',
        resource: MODEL,
        ...(keys ? { context: { 'aws:TagKeys': keys } } : {}),
      });
    expect(tag(['model-rollout:workflow-id', 'model-rollout:run-id'])).toBe('allow');
    expect(tag(['model-rollout:run-id', 'team'])).toBe('implicitDeny');
    expect(tag([])).toBe('allow');
    expect(tag()).toBe('allow');
  });

  test('ForAnyValue, negated operators, IfExists and Null follow the IAM User Guide', () => {
    const cond = (Condition: Record<string, unknown>) =>
      parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition }] });
    const req = (context?: Record<string, string | string[]>) => ({
      action: 'x:Y',
      resource: '*',
      ...(context ? { context } : {}),
    });
    const anyTeam = cond({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'team' } });
    expect(evaluate(anyTeam, req({ 'aws:TagKeys': ['a', 'team'] }))).toBe('allow');
    expect(evaluate(anyTeam, req({ 'aws:TagKeys': ['a'] }))).toBe('implicitDeny');
    expect(evaluate(anyTeam, req())).toBe('implicitDeny');

    const notProd = cond({ StringNotEquals: { 'aws:RequestTag/env': 'prod' } });
    expect(evaluate(notProd, req({ 'aws:RequestTag/env': 'dev' }))).toBe('allow');
    expect(evaluate(notProd, req({ 'aws:RequestTag/env': 'prod' }))).toBe('implicitDeny');
    expect(evaluate(notProd, req())).toBe('allow');

    const ifExists = cond({ StringEqualsIfExists: { 'sagemaker:VolumeKmsKey': 'k' } });
    expect(evaluate(ifExists, req())).toBe('allow');
    expect(evaluate(ifExists, req({ 'sagemaker:VolumeKmsKey': 'other' }))).toBe('implicitDeny');

    const mustHaveTags = cond({ Null: { 'aws:TagKeys': 'false' } });
    expect(evaluate(mustHaveTags, req({ 'aws:TagKeys': ['a'] }))).toBe('allow');
    expect(evaluate(mustHaveTags, req())).toBe('implicitDeny');

    const arn = cond({ ArnLike: { 'sagemaker:ModelArn': 'arn:aws:sagemaker:*:*:model/churn-*' } });
    expect(evaluate(arn, req({ 'sagemaker:ModelArn': MODEL }))).toBe('allow');
    expect(evaluate(arn, req({ 'sagemaker:ModelArn': 'arn:aws:sagemaker:us-east-1:1:model/x' }))).toBe('implicitDeny');
  });

  test('a policy this emulator cannot evaluate faithfully is refused with the statement named', () => {
    expect(() => parsePolicy({ Statement: [] })).toThrow('has no Statement');
    expect(() => parsePolicy({ Statement: [{ Sid: 'S', Effect: 'Allow', Action: '*' }] })).toThrow(
      'Statement[0] (S) needs exactly one of Resource and NotResource',
    );
    expect(() =>
      parsePolicy({
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:x': '1' } } }],
      }),
    ).toThrow('uses DateGreaterThan');
    expect(() => parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }] })).toThrow(
      'has Principal',
    );
    expect(() => parsePolicy({ Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] })).toThrow(
      'Effect must be "Allow" or "Deny"',
    );
  });
});
