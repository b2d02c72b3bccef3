// The state of the CloudWatch alarms rollouts name as guardrails: metric and composite alarms alike, read for every
// rollout of a worker in as few DescribeAlarms calls as possible.
//
// DescribeAlarms is limited to 9 transactions per second per Region ([CW-Q], awsdocs/amazon-cloudwatch-user-guide
// cloudwatch_limits.md), shared by everything in the account. A worker carrying hundreds of rollouts that each read
// their alarms every evaluation would throttle alone (aws-behaviour.md #21), so the reads of one worker are batched:
// every rollout asking within `batchMs` shares one call per Region (up to 100 names a call, the AlarmNames maximum of
// [BC-CW]), a Region's calls start at least `minIntervalMs` apart (about 1 call per second per worker, whatever the
// number of rollouts), and a state read stays fresh for `cacheMs` (an alarm is evaluated once per period, a minute or
// more).
import { DescribeAlarmsCommand, type CompositeAlarm, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { aws } from './aws-errors';
import type { AwsClients } from './clients';

export interface AlarmState {
  name: string;
  /** OK, ALARM, INSUFFICIENT_DATA, or MISSING when CloudWatch knows no alarm of that name. */
  state: string;
  reason?: string;
}

export interface AlarmOptions {
  /** How long rollouts' requests wait to share one DescribeAlarms call (default 200 ms). */
  alarmBatchMs?: number;
  /** How long a state read stays fresh for every rollout of the worker (default 5 s). */
  alarmCacheMs?: number;
  /** Shortest time between the starts of two DescribeAlarms batches of one Region (default 1 s). */
  alarmMinIntervalMs?: number;
}

/** [BC-CW] DescribeAlarms AlarmNames: at most 100 names per call. */
const MAX_NAMES_PER_CALL = 100;

/**
 * States of `names` from one DescribeAlarms answer. [BC-CW] AlarmTypes: "If you omit this parameter, only metric
 * alarms are returned, even if composite alarms or log alarms exist", so the call asks for both types and a composite
 * alarm's state is read from CompositeAlarms.
 */
export function alarmStatesFrom(
  names: readonly string[],
  answer: { MetricAlarms?: MetricAlarm[]; CompositeAlarms?: CompositeAlarm[] },
): AlarmState[] {
  const known = new Map<string, MetricAlarm | CompositeAlarm>();
  for (const a of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
    if (a.AlarmName) known.set(a.AlarmName, a);
  }
  return names.map((name) => {
    const a = known.get(name);
    if (!a) return { name, state: 'MISSING' };
    return { name, state: a.StateValue ?? 'INSUFFICIENT_DATA', ...(a.StateReason ? { reason: a.StateReason } : {}) };
  });
}

interface Batch {
  names: Set<string>;
  done: Promise<Map<string, AlarmState>>;
}

export function alarmActivities(clients: AwsClients, options: AlarmOptions = {}) {
  const batchMs = options.alarmBatchMs ?? 200;
  const cacheMs = options.alarmCacheMs ?? 5_000;
  const minIntervalMs = options.alarmMinIntervalMs ?? 1_000;
  const cache = new Map<string, { at: number; state: AlarmState }>();
  const pending = new Map<string, Batch>();
  /** When each Region's last batch was sent. */
  const lastSent = new Map<string, number>();

  async function describe(region: string | undefined, names: string[]): Promise<Map<string, AlarmState>> {
    const states = new Map<string, AlarmState>();
    for (let i = 0; i < names.length; i += MAX_NAMES_PER_CALL) {
      const chunk = names.slice(i, i + MAX_NAMES_PER_CALL);
      // Composite alarms are returned only to callers whose cloudwatch:DescribeAlarms is scoped to "*" ([BC-CW]
      // DescribeAlarms), which deploy/iam-policy.json grants.
      const out = await aws('DescribeAlarms', () =>
        clients.cloudwatch(region).send(
          new DescribeAlarmsCommand({
            AlarmNames: chunk,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: MAX_NAMES_PER_CALL,
          }),
        ),
      );
      const at = Date.now();
      if (cache.size > 10_000) cache.clear(); // names of rollouts long gone
      for (const state of alarmStatesFrom(chunk, out)) {
        states.set(state.name, state);
        cache.set(`${region ?? ''}|${state.name}`, { at, state });
      }
    }
    return states;
  }

  /** Joins the Region's batch that is filling, or starts one, sent after batchMs and minIntervalMs after the last. */
  function batched(region: string | undefined, names: string[]): Promise<Map<string, AlarmState>> {
    const key = region ?? '';
    let batch = pending.get(key);
    if (!batch) {
      const now = Date.now();
      const sendAt = Math.max(now + batchMs, (lastSent.get(key) ?? -Infinity) + minIntervalMs);
      lastSent.set(key, sendAt);
      const created: Batch = {
        names: new Set(),
        done: new Promise((resolve) => setTimeout(resolve, sendAt - now)).then(() => {
          pending.delete(key);
          return describe(region, [...created.names]);
        }),
      };
      batch = created;
      pending.set(key, batch);
    }
    for (const n of names) batch.names.add(n);
    return batch.done;
  }

  return {
    /** State of named alarms; a name CloudWatch does not know comes back as state "MISSING". */
    async alarmStates(input: { alarmNames: string[]; region?: string }): Promise<AlarmState[]> {
      if (input.alarmNames.length === 0) return [];
      const now = Date.now();
      const fresh = (name: string) => {
        const hit = cache.get(`${input.region ?? ''}|${name}`);
        return hit && now - hit.at < cacheMs ? hit.state : undefined;
      };
      const stale = input.alarmNames.filter((n) => !fresh(n));
      const read = stale.length > 0 ? await batched(input.region, stale) : new Map<string, AlarmState>();
      return input.alarmNames.map((name) => read.get(name) ?? fresh(name) ?? { name, state: 'MISSING' });
    },
  };
}
