// The AlarmRule grammar: functions, constants, NOT/AND/OR with parentheses, quoted and ARN references.
import { alarmNameOf, parseAlarmRule, RuleError, ruleChildren } from '../../../src/emulator/composite-alarms';

describe('AlarmRule', () => {
  test('names, quoted names and ARNs are alarm names', () => {
    const rule = parseAlarmRule(
      'ALARM(a) OR OK("b c") OR INSUFFICIENT_DATA("arn:aws:cloudwatch:us-east-1:123456789012:alarm:d")',
    );
    expect(ruleChildren(rule)).toEqual(['a', 'b c', 'd']);
    expect(alarmNameOf('arn:aws-cn:cloudwatch:cn-north-1:1:alarm:x:y')).toBe('x:y');
  });

  test('NOT binds tighter than AND, AND tighter than OR; keywords in any case', () => {
    expect(parseAlarmRule('TRUE OR FALSE AND FALSE')).toEqual({
      kind: 'or',
      left: { kind: 'const', value: true },
      right: { kind: 'and', left: { kind: 'const', value: false }, right: { kind: 'const', value: false } },
    });
    expect(parseAlarmRule('not alarm(x) and (true)')).toEqual({
      kind: 'and',
      left: { kind: 'not', operand: { kind: 'state', state: 'ALARM', alarm: 'x' } },
      right: { kind: 'const', value: true },
    });
    expect(parseAlarmRule('false')).toEqual({ kind: 'const', value: false });
  });

  test.each(['', 'ALARM(a) AND', 'ALARM(a', 'ALARM("a)', 'MAYBE(a)', '(TRUE', 'TRUE TRUE', 'ALARM()'])(
    '%j does not parse',
    (text) => {
      expect(() => parseAlarmRule(text)).toThrow(RuleError);
    },
  );
});
