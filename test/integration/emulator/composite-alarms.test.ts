// Composite alarms through the real @aws-sdk/client-cloudwatch (aws profile): PutCompositeAlarm with an AlarmRule over
// other alarms (names, quoted names, ARNs, nesting), evaluated when a child changes state; DescribeAlarms returning
// composites only when AlarmTypes asks, ChildrenOfAlarmName / ParentsOfAlarmName; DeleteAlarms' rules.
import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { ADMIN_CREDENTIALS, CREDENTIALS, errorOf, type Harness, startHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(
    {
      profile: 'aws',
      awsBehaviour: { consistencySeconds: 0 }, // new resources visible at once: not what this test is about
      timeScale: 0.001,
      alarmEvaluation: false,
    },
    'us-east-1',
    ADMIN_CREDENTIALS,
  );
});
afterAll(() => h.close());

async function metricAlarm(cw: CloudWatchClient, name: string): Promise<void> {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'Emu/Test',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
}

const setState = (name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA') =>
  h.cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'test' }));

async function stateOf(name: string): Promise<string | undefined> {
  const out = await h.cw.send(
    new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
  );
  return [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])][0]?.StateValue;
}

test('a composite follows its AlarmRule; DescribeAlarms shows composites only when AlarmTypes asks', async () => {
  await metricAlarm(h.cw, 'latency-high');
  await metricAlarm(h.cw, 'deploy in progress');
  const latencyArn = `arn:aws:cloudwatch:${h.region}:123456789012:alarm:latency-high`;
  await h.cw.send(
    new PutCompositeAlarmCommand({
      AlarmName: 'page-oncall',
      AlarmRule: 'ALARM(latency-high) AND NOT ALARM("deploy in progress")',
      AlarmDescription: 'latency, unless a deployment explains it',
    }),
  );
  await h.cw.send(new PutCompositeAlarmCommand({ AlarmName: 'by-arn', AlarmRule: `ALARM("${latencyArn}") OR FALSE` }));
  await h.cw.send(new PutCompositeAlarmCommand({ AlarmName: 'nested', AlarmRule: '(ALARM(page-oncall))' }));
  // Evaluated at once after creation: its children are not in ALARM.
  expect(await stateOf('page-oncall')).toBe('OK');

  const names = ['latency-high', 'deploy in progress', 'page-oncall', 'by-arn', 'nested'];
  const plain = await h.cw.send(new DescribeAlarmsCommand({ AlarmNames: names }));
  expect(plain.MetricAlarms!.map((a) => a.AlarmName).sort()).toEqual(['deploy in progress', 'latency-high']);
  expect(plain.CompositeAlarms).toEqual([]);
  const composites = await h.cw.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['CompositeAlarm'] }));
  expect(composites.MetricAlarms).toEqual([]);
  expect(composites.CompositeAlarms!.map((a) => a.AlarmName)).toEqual(['by-arn', 'nested', 'page-oncall']);
  const page = composites.CompositeAlarms!.find((a) => a.AlarmName === 'page-oncall')!;
  expect(page).toMatchObject({
    AlarmRule: 'ALARM(latency-high) AND NOT ALARM("deploy in progress")',
    AlarmDescription: 'latency, unless a deployment explains it',
    AlarmArn: `arn:aws:cloudwatch:${h.region}:123456789012:alarm:page-oncall`,
    ActionsEnabled: true,
    StateValue: 'OK',
  });

  await setState('latency-high', 'ALARM');
  expect(await stateOf('page-oncall')).toBe('ALARM');
  expect(await stateOf('by-arn')).toBe('ALARM');
  expect(await stateOf('nested')).toBe('ALARM');
  await setState('deploy in progress', 'ALARM');
  expect(await stateOf('page-oncall')).toBe('OK');
  expect(await stateOf('nested')).toBe('OK');
  expect(await stateOf('by-arn')).toBe('ALARM');

  const children = await h.cw.send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: 'page-oncall' }));
  expect(children.MetricAlarms!.map((a) => [a.AlarmName, a.StateValue]).sort()).toEqual([
    ['deploy in progress', 'ALARM'],
    ['latency-high', 'ALARM'],
  ]);
  expect(children.MetricAlarms![0].Threshold).toBeUndefined(); // only name, ARN, state and its timestamp
  const parents = await h.cw.send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'latency-high' }));
  expect(parents.CompositeAlarms!.map((a) => a.AlarmName)).toEqual(['by-arn', 'page-oncall']);
  const mixed = await errorOf(() =>
    h.cw.send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'latency-high', StateValue: 'OK' })),
  );
  expect(mixed.name).toBe('InvalidParameterCombinationException');
});

test('a rule naming a missing alarm, or one that does not parse, is refused', async () => {
  const missing = await errorOf(() =>
    h.cw.send(new PutCompositeAlarmCommand({ AlarmName: 'broken', AlarmRule: 'ALARM(nope) OR ALARM(latency-high)' })),
  );
  expect(missing.name).toBe('ValidationException');
  expect(missing.message).toBe('Could not save the composite alarm as alarms [nope] in the alarm rule do not exist');
  const syntax = await errorOf(() =>
    h.cw.send(new PutCompositeAlarmCommand({ AlarmName: 'broken', AlarmRule: 'ALARM(latency-high) AND' })),
  );
  expect(syntax.name).toBe('ValidationException');
  expect(await stateOf('broken')).toBeUndefined();
});

test('DeleteAlarms: not an alarm a composite names, at most one composite, unknown names ignored', async () => {
  const conflict = await errorOf(() => h.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['latency-high'] })));
  expect(conflict.name).toBe('ResourceConflict');
  expect(conflict.$metadata?.httpStatusCode).toBe(409);
  const two = await errorOf(() => h.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['nested', 'by-arn'] })));
  expect(two.name).toBe('ValidationException');
  expect(await stateOf('nested')).toBe('OK');

  await h.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['nested'] }));
  await h.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['page-oncall'] }));
  await h.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['by-arn', 'no-such-alarm'] }));
  await h.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['latency-high', 'deploy in progress'] }));
  const left = await h.cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
  expect([...left.MetricAlarms!, ...left.CompositeAlarms!]).toEqual([]);
});

test('composite alarms need cloudwatch:DescribeAlarms and PutCompositeAlarm scoped to *', async () => {
  const scoped = (resource: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:PutCompositeAlarm'],
        Resource: resource,
      },
    ],
  });
  for (const [resource, allowed] of [
    ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:*', false],
    ['*', true],
  ] as const) {
    const e = await startHarness(
      {
        profile: 'aws',
        awsBehaviour: { consistencySeconds: 0 },
        timeScale: 0.001,
        alarmEvaluation: false,
        iamPolicy: scoped(resource),
      },
      'us-east-1',
      CREDENTIALS,
    );
    try {
      const metricOnly = await e.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['x'] }));
      expect(metricOnly.MetricAlarms).toEqual([]);
      const describe = () => e.cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }));
      const put = () => e.cw.send(new PutCompositeAlarmCommand({ AlarmName: 'c', AlarmRule: 'TRUE' }));
      if (allowed) {
        await put();
        expect((await describe()).CompositeAlarms!.map((a) => a.AlarmName)).toEqual(['c']);
      } else {
        expect((await errorOf(describe)).name).toBe('AccessDenied');
        expect((await errorOf(put)).name).toBe('AccessDenied');
      }
    } finally {
      await e.close();
    }
  }
});
