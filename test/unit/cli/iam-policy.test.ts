// The shipped IAM policy must allow exactly the AWS calls the worker's activities make: a missing action breaks a
// rollout in production, an extra one breaks least privilege. A Create* that carries Tags is also authorized as
// sagemaker:AddTags on the new resource (aws/aws-cdk#32294), so those count as using AddTags. Application Auto
// Scaling checks the caller's own permissions on the scaled resource and its alarms before it acts, so those count as
// used by the calls that trigger the checks.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { evaluate, parsePolicy } from '../../../src/emulator/iam/policy';

const root = resolve(__dirname, '../../..');

/** IAM service prefix of each AWS SDK v3 client package the activities use. */
const IAM_PREFIX: Record<string, string> = {
  '@aws-sdk/client-sagemaker': 'sagemaker',
  '@aws-sdk/client-sagemaker-runtime': 'sagemaker',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-application-auto-scaling': 'application-autoscaling',
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * API calls that IAM authorizes under another action's name (S3 API reference: HeadObject needs s3:GetObject,
 * ListObjectsV2 needs s3:ListBucket).
 */
const AUTHORIZED_AS: Record<string, string> = { 's3:HeadObject': 's3:GetObject', 's3:ListObjectsV2': 's3:ListBucket' };

/**
 * What Application Auto Scaling checks the caller may do before it acts ("Permissions validation for API calls on
 * target resources", Application Auto Scaling User Guide; a missing one fails the call with "User is missing the
 * following permissions: …"): registering a SageMaker variant, the endpoint calls its service-linked role makes; a
 * target tracking policy, the CloudWatch alarms it creates. The SageMaker Developer Guide's auto scaling prerequisites
 * list these with cloudwatch:DeleteAlarms, which deregistering needs for the alarms of the policies it deletes (which
 * call AWS checks it on is not documented).
 */
const CHECKED_BY_SERVICE: Record<string, string[]> = {
  'application-autoscaling:RegisterScalableTarget': [
    'sagemaker:DescribeEndpoint',
    'sagemaker:UpdateEndpointWeightsAndCapacities',
  ],
  'application-autoscaling:PutScalingPolicy': ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms'],
  'application-autoscaling:DeregisterScalableTarget': ['cloudwatch:DeleteAlarms'],
};

/** The resource type each tagged Create* makes: what its AddTags is authorized on. */
const CREATES: Record<string, string> = {
  'sagemaker:CreateModel': 'model',
  'sagemaker:CreateEndpointConfig': 'endpoint-config',
  'sagemaker:CreateEndpoint': 'endpoint',
};

/** The argument text of every `new <name>(…)` in source (balanced parentheses). */
function constructorArguments(source: string, name: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(new RegExp(`new\\s+${name}\\s*\\(`, 'g'))) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < source.length && depth > 0; i++) {
      if (source[i] === '(') depth++;
      else if (source[i] === ')') depth--;
    }
    out.push(source.slice(start, i - 1));
  }
  return out;
}

/** Create* calls that send Tags, as their IAM action: each also needs sagemaker:AddTags. */
const taggedCreates = new Set<string>();

/** Every `XxxCommand` imported from an AWS SDK client and constructed with `new` in src/activities. */
function actionsUsedByActivities(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const file of tsFiles(join(root, 'src/activities'))) {
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
      const [, names, pkg] = m;
      for (const raw of names.split(',')) {
        const name = raw
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0];
        if (!/^[A-Z]\w*Command$/.test(name)) continue;
        if (!new RegExp(`new\\s+${name}\\s*\\(`).test(source)) continue; // imported but never sent
        const prefix = IAM_PREFIX[pkg];
        if (!prefix)
          throw new Error(`${file} uses ${pkg}: add its IAM prefix to this test and its actions to the policy`);
        const operation = `${prefix}:${name.replace(/Command$/, '')}`;
        const action = AUTHORIZED_AS[operation] ?? operation;
        used.set(action, [...(used.get(action) ?? []), file.slice(root.length + 1)]);
        for (const checked of CHECKED_BY_SERVICE[action] ?? []) {
          used.set(checked, [...(used.get(checked) ?? []), `${action} (checked by the service)`]);
        }
        if (constructorArguments(source, name).some((args) => /\bTags\s*:/.test(args))) {
          if (!CREATES[action]) throw new Error(`${file} tags ${name}: add its resource type to CREATES in this test`);
          taggedCreates.add(action);
          used.set('sagemaker:AddTags', [...(used.get('sagemaker:AddTags') ?? []), file.slice(root.length + 1)]);
        }
      }
    }
  }
  return used;
}

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const policy = JSON.parse(readFileSync(join(root, 'deploy/iam-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const policyActions = new Set(policy.Statement.flatMap((s) => list(s.Action)));

describe('deploy/iam-policy.json', () => {
  const used = actionsUsedByActivities();

  it('finds the AWS calls the activities make (the scan itself works)', () => {
    expect(used.size).toBeGreaterThanOrEqual(10);
    expect(used.has('sagemaker:UpdateEndpointWeightsAndCapacities')).toBe(true);
    expect(used.has('sagemaker:InvokeEndpoint')).toBe(true);
    expect(used.has('cloudwatch:GetMetricData')).toBe(true);
    expect([...taggedCreates].sort()).toEqual([
      'sagemaker:CreateEndpoint',
      'sagemaker:CreateEndpointConfig',
      'sagemaker:CreateModel',
    ]);
  });

  it("lets each tagged Create* add exactly the rollout's tag keys to what it creates, and no other keys", () => {
    // The keys rolloutTags() sends ({ Key: 'model-rollout:…', Value: … }).
    const source = readFileSync(join(root, 'src/activities/sagemaker.ts'), 'utf8');
    const keys = [...source.matchAll(/Key:\s*'([^']+)'/g)].map((m) => m[1]);
    expect(keys.sort()).toEqual(['model-rollout:run-id', 'model-rollout:workflow-id']);
    const evaluated = parsePolicy(policy);
    for (const action of taggedCreates) {
      const resource = `arn:aws:sagemaker:eu-west-1:123456789012:${CREATES[action]}/churn-abc`;
      const addTags = (tagKeys: string[]) =>
        evaluate(evaluated, { action: 'sagemaker:AddTags', resource, context: { 'aws:TagKeys': tagKeys } });
      expect([action, addTags(keys)]).toEqual([action, 'allow']);
      expect([action, addTags([...keys, 'team'])]).toEqual([action, 'implicitDeny']);
    }
    expect(
      evaluate(evaluated, {
        action: 'sagemaker:AddTags',
        resource: 'arn:aws:sagemaker:eu-west-1:123456789012:training-job/x',
        context: { 'aws:TagKeys': keys },
      }),
    ).toBe('implicitDeny');
  });

  it('allows every action the activities use', () => {
    const missing = [...used.keys()].filter((a) => !policyActions.has(a));
    expect(missing).toEqual([]);
  });

  it('allows nothing the activities do not use, except passing the execution role', () => {
    const extra = [...policyActions].filter((a) => !used.has(a) && a !== 'iam:PassRole');
    expect(extra).toEqual([]);
    expect([...policyActions].filter((a) => a.includes('*'))).toEqual([]);
  });

  it('passes the execution role to SageMaker only', () => {
    const pass = policy.Statement.filter((s) => list(s.Action).includes('iam:PassRole'));
    expect(pass).toHaveLength(1);
    expect(list(pass[0].Action)).toEqual(['iam:PassRole']);
    expect(pass[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    expect(list(pass[0].Resource).every((r) => /^arn:aws:iam::[^:]*:role\/\S+$/.test(r))).toBe(true);
  });

  it('scopes every SageMaker action to SageMaker resources (no "*")', () => {
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      if (list(s.Action).some((a) => a.startsWith('sagemaker:'))) {
        expect(list(s.Resource).every((r) => r.startsWith('arn:aws:sagemaker:'))).toBe(true);
      }
    }
    // GetMetricData supports no resource-level permissions: "*" is the only valid resource for it. DescribeAlarms
    // returns composite alarms only to a caller whose permission "is scoped to *" ([BC-CW] DescribeAlarms), and the
    // rollout reads composite alarms (src/activities/alarms.ts).
    // Application Auto Scaling's Describe* calls support no resource-level permissions either (Service Authorization
    // Reference, Application Auto Scaling).
    const star = policy.Statement.filter((s) => list(s.Resource).includes('*'));
    expect(star.flatMap((s) => list(s.Action)).sort()).toEqual([
      'application-autoscaling:DescribeScalableTargets',
      'application-autoscaling:DescribeScalingPolicies',
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetMetricData',
    ]);
  });

  it("changes SageMaker variants' autoscaling only, and only target tracking's own alarms", () => {
    const evaluated = parsePolicy(policy);
    const target = 'arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0123456789abcdef';
    const on = (namespace: string, dimension: string) => ({
      'application-autoscaling:service-namespace': namespace,
      'application-autoscaling:scalable-dimension': dimension,
    });
    for (const action of [
      'application-autoscaling:RegisterScalableTarget',
      'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:PutScalingPolicy',
    ]) {
      const decide = (context: Record<string, string>) => evaluate(evaluated, { action, resource: target, context });
      expect([action, decide(on('sagemaker', 'sagemaker:variant:DesiredInstanceCount'))]).toEqual([action, 'allow']);
      expect([action, decide(on('ecs', 'ecs:service:DesiredCount'))]).toEqual([action, 'implicitDeny']);
      expect([action, decide(on('sagemaker', 'sagemaker:inference-component:DesiredCopyCount'))]).toEqual([
        action,
        'implicitDeny',
      ]);
    }
    expect(
      evaluate(evaluated, {
        action: 'application-autoscaling:DeleteScalingPolicy',
        resource: target,
        context: on('sagemaker', 'sagemaker:variant:DesiredInstanceCount'),
      }),
    ).toBe('implicitDeny');
    const alarm = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;
    const tracking = alarm('TargetTracking-endpoint/churn/variant/Champion-AlarmHigh-0a1b2c3d');
    for (const action of ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms']) {
      expect([action, evaluate(evaluated, { action, resource: tracking })]).toEqual([action, 'allow']);
      expect([action, evaluate(evaluated, { action, resource: alarm('churn-p99-latency') })]).toEqual([
        action,
        'implicitDeny',
      ]);
    }
  });
});
