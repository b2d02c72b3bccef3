// The workflow's zod-free signal check must agree with the zod schemas (the one definition) on every payload:
// the same accept/reject, the same fields named, the same value out.
import { checkSignal } from '../../../src/schema/signal-check';
import { InvalidInputError, parseSignal, type SignalName } from '../../../src/schema';

const NAMES: SignalName[] = ['approve', 'rollback', 'pause', 'resume'];
const PAYLOADS: unknown[] = [
  { by: 'alice' },
  { by: 'alice@example.com', reason: 'looks good' },
  { by: 'bob', reason: '  padded reason  ' },
  { by: 'a.b_c+d-e@f' },
  { by: 'a'.repeat(128) },
  { by: 'a'.repeat(129) },
  { by: '' },
  { by: 'alice smith' },
  { by: '-alice' },
  { by: 42 },
  { by: null },
  {},
  { reason: 'no by' },
  { by: 'alice', reason: '' },
  { by: 'alice', reason: '   ' },
  { by: 'alice', reason: 'x'.repeat(1000) },
  { by: 'alice', reason: 'x'.repeat(1001) },
  { by: 'alice', reason: 7 },
  { by: 'alice', extra: true },
  { by: 'alice', reason: 'ok', extra: 1, more: 2 },
  JSON.parse('{"by":"alice","__proto__":{"polluted":true}}'),
  'alice',
  42,
  null,
  undefined,
  ['alice'],
];

/** Field names a message list points at ("by", "reason", or the unknown keys), for comparing the two checkers. */
const fields = (issues: string[]) =>
  issues
    .map((line) =>
      line.startsWith('required: add it')
        ? '(payload)' // zod's words for a missing payload
        : (line.match(/^(\w+): /)?.[1] ?? line.match(/unknown fields? (.*):/)?.[1] ?? '(payload)'),
    )
    .sort();

describe.each(NAMES)('%s', (name) => {
  test.each(PAYLOADS.map((p, i) => [`#${i} ${JSON.stringify(p) ?? String(p)}`, p]))('%s', (_label, payload) => {
    let zodValue: unknown = null;
    let zodIssues: string[] = [];
    try {
      zodValue = parseSignal(name, payload);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      zodIssues = (err as InvalidInputError).issues;
    }
    const check = checkSignal(name, payload);
    if (check.ok) {
      expect(zodIssues).toEqual([]);
      expect(check.value).toEqual(zodValue);
    } else {
      expect(zodValue).toBeNull();
      expect(fields(check.issues)).toEqual(fields(zodIssues));
    }
  });
});
