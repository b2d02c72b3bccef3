/**
 * Composite alarms ([BC-CW] PutCompositeAlarm, AlarmRule): a rule over other alarms' states, with the functions
 * ALARM(x), OK(x), INSUFFICIENT_DATA(x), the constants TRUE and FALSE, the operators AND, OR and NOT, and parentheses.
 * "You can use either alarm names or ARNs to reference the other alarms", "Alarm names specified in AlarmRule can be
 * surrounded with double-quotes ("), but do not have to be." The alarm is in ALARM when its rule holds and OK
 * otherwise: "For a composite alarm, this initial time after creation is the only time that the alarm can be in
 * INSUFFICIENT_DATA state". It is evaluated whenever an alarm it depends on changes state; "the evaluation of composite
 * alarms stops if CloudWatch detects a cycle". NOT binds tighter than AND, AND tighter than OR (the documents do not
 * say; this is the usual reading of their examples). Keywords are matched without regard to case (the documents
 * write "change the AlarmRule ... to false").
 */
import type { AlarmRecord, RegionState, RuleNode } from './state';

type AlarmState = AlarmRecord['state'];

export class RuleError extends Error {}

const FUNCTIONS: Record<string, AlarmState> = { ALARM: 'ALARM', OK: 'OK', INSUFFICIENT_DATA: 'INSUFFICIENT_DATA' };
/** "The AlarmRule can specify as many as 100 'children' alarms." */
export const MAX_CHILDREN = 100;

/** An alarm reference as the rule names it: a name, or the ARN `arn:<partition>:cloudwatch:<region>:<acct>:alarm:<name>`. */
export function alarmNameOf(reference: string): string {
  const m = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(reference);
  return m ? m[1] : reference;
}

export function parseAlarmRule(text: string): RuleNode {
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z_]+/.exec(text.slice(i));
    return m ? m[0] : '';
  };
  const expect = (ch: string) => {
    skip();
    if (text[i] !== ch) throw new RuleError(`expected "${ch}" at position ${i + 1} of the AlarmRule`);
    i++;
  };
  const reference = (): string => {
    skip();
    let name: string;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close === -1) throw new RuleError(`unclosed quote at position ${i + 1} of the AlarmRule`);
      name = text.slice(i + 1, close);
      i = close + 1;
    } else {
      const close = text.indexOf(')', i);
      if (close === -1) throw new RuleError(`expected ")" after the alarm name at position ${i + 1} of the AlarmRule`);
      name = text.slice(i, close).trim();
      i = close;
    }
    if (name === '') throw new RuleError(`an empty alarm name at position ${i} of the AlarmRule`);
    return alarmNameOf(name);
  };
  const factor = (): RuleNode => {
    skip();
    if (text[i] === '(') {
      i++;
      const inner = or();
      expect(')');
      return inner;
    }
    const w = word();
    const upper = w.toUpperCase();
    if (upper === 'NOT') {
      i += w.length;
      return { kind: 'not', operand: factor() };
    }
    if (upper === 'TRUE' || upper === 'FALSE') {
      i += w.length;
      return { kind: 'const', value: upper === 'TRUE' };
    }
    if (upper in FUNCTIONS) {
      i += w.length;
      expect('(');
      const alarm = reference();
      expect(')');
      return { kind: 'state', state: FUNCTIONS[upper], alarm };
    }
    throw new RuleError(`unexpected "${text.slice(i, i + 20)}" at position ${i + 1} of the AlarmRule`);
  };
  const binary = (op: 'and' | 'or', operand: () => RuleNode) => (): RuleNode => {
    let left = operand();
    for (;;) {
      const w = word();
      if (w.toLowerCase() !== op) return left;
      i += w.length;
      left = { kind: op, left, right: operand() };
    }
  };
  const and = binary('and', factor);
  const or = binary('or', and);
  const rule = or();
  skip();
  if (i < text.length)
    throw new RuleError(`unexpected "${text.slice(i, i + 20)}" at position ${i + 1} of the AlarmRule`);
  return rule;
}

/** The alarm names a rule refers to, each once. */
export function ruleChildren(rule: RuleNode): string[] {
  const out = new Set<string>();
  const walk = (n: RuleNode) => {
    if (n.kind === 'state') out.add(n.alarm);
    else if (n.kind === 'not') walk(n.operand);
    else if (n.kind === 'and' || n.kind === 'or') {
      walk(n.left);
      walk(n.right);
    }
  };
  walk(rule);
  return [...out];
}

function holds(rule: RuleNode, stateOf: (name: string) => AlarmState | undefined): boolean {
  switch (rule.kind) {
    case 'const':
      return rule.value;
    case 'state':
      return stateOf(rule.alarm) === rule.state;
    case 'not':
      return !holds(rule.operand, stateOf);
    case 'and':
      return holds(rule.left, stateOf) && holds(rule.right, stateOf);
    case 'or':
      return holds(rule.left, stateOf) || holds(rule.right, stateOf);
  }
}

/** Composite alarms that depend on themselves through their children (cycles are not evaluated). */
function inCycle(region: RegionState, start: AlarmRecord): boolean {
  const seen = new Set<string>();
  const stack = [...(start.composite?.children ?? [])];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (name === start.name) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    const child = region.alarms.get(name);
    if (child?.composite) stack.push(...child.composite.children);
  }
  return false;
}

/** Brings every composite alarm of the region in line with its children's states (nested ones included). */
export function evaluateCompositeAlarms(
  region: RegionState,
  nowMs: number,
  among: AlarmRecord[] = [...region.alarms.values()],
): void {
  const composites = among.filter((a) => a.composite && !inCycle(region, a));
  if (composites.length === 0) return;
  const stateOf = (name: string) => region.alarms.get(name)?.state;
  // Nested composites settle within as many passes as there are composites.
  for (let pass = 0; pass <= composites.length; pass++) {
    let changed = false;
    for (const alarm of composites) {
      const next: AlarmState = holds(alarm.composite!.rule, stateOf) ? 'ALARM' : 'OK';
      if (next === alarm.state) continue;
      const triggering = alarm.composite!.children.filter((c) => stateOf(c) === 'ALARM');
      alarm.state = next;
      alarm.stateUpdatedAt = nowMs;
      // The wording of a composite's StateReason is not documented; this one names the children in ALARM.
      alarm.stateReason =
        next === 'ALARM'
          ? `The rule ${alarm.request.AlarmRule as string} holds: ${triggering.join(', ') || 'no child alarm'} in ALARM.`
          : `The rule ${alarm.request.AlarmRule as string} does not hold.`;
      alarm.stateReasonData = JSON.stringify({
        triggeringAlarms: triggering.map((name) => ({ arn: region.alarms.get(name)?.arn, state: { value: 'ALARM' } })),
      });
      changed = true;
    }
    if (!changed) return;
  }
}
