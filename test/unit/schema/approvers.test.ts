// Who may approve and roll back: the spec's patterns (checked by zod in spec.ts) and the workflow's zod-free match.
import { allowedBy } from '../../../src/schema/approvers';
import { InvalidInputError, parseSpec } from '../../../src/schema';

const spec = (approval: Record<string, unknown>) => ({
  endpointName: 'churn',
  baseline: { variantName: 'Champion' },
  candidate: { variantName: 'Challenger', modelName: 'churn-xgb-v2' },
  approval,
});

function issuesOf(input: unknown): string[] {
  try {
    parseSpec(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).issues;
  }
  throw new Error('expected the spec to be rejected');
}

describe('allowedBy', () => {
  const patterns = ['alice@example.com', '*@ml-platform.example.com', 'bob'];

  test.each([
    ['alice@example.com', true],
    ['Alice@Example.COM', true], // e-mail addresses compare without case
    ['carol@ml-platform.example.com', true],
    ['CAROL@ML-PLATFORM.example.com', true],
    ['bob', true],
    ['mallory@example.com', false],
    ['alice@example.com.evil.io', false],
    ['carol@sub.ml-platform.example.com', false], // a domain pattern does not cover its subdomains
    ['carol@evil-ml-platform.example.com', false],
    ['@ml-platform.example.com', false],
    ['a@b@ml-platform.example.com', false],
    ['bobby', false],
    ['alice', false],
  ])('%s → %s', (by, allowed) => {
    expect(allowedBy(patterns, by)).toBe(allowed);
  });

  test('no list lets anyone act', () => {
    expect(allowedBy(undefined, 'anyone')).toBe(true);
  });
});

describe('approval.approvers and approval.rollbackers in the spec', () => {
  test('patterns parse, and are left out by default', () => {
    const parsed = parseSpec(spec({ approvers: ['alice@example.com', '*@ml-platform.example.com'] }));
    expect(parsed.approval).toEqual({
      timeout: '24h',
      onTimeout: 'rollback',
      approvers: ['alice@example.com', '*@ml-platform.example.com'],
    });
    expect(parseSpec(spec({})).approval.approvers).toBeUndefined();
    expect(parseSpec(spec({})).approval.rollbackers).toBeUndefined();
  });

  test.each([
    [{ approvers: [] }, /^approval\.approvers: approval\.approvers is empty: leave it out to let anyone approve/],
    [{ rollbackers: [] }, /^approval\.rollbackers: .*leave it out to let anyone roll back/],
    [{ approvers: ['*'] }, /^approval\.approvers\[0\]: each entry is a user name or e-mail/],
    [{ approvers: ['*@*.example.com'] }, /^approval\.approvers\[0\]: /],
    [{ approvers: ['alice smith'] }, /^approval\.approvers\[0\]: /],
    [{ approvers: ['*@localhost'] }, /^approval\.approvers\[0\]: /],
    [{ approvers: 'alice@example.com' }, /^approval\.approvers: approval\.approvers must be a list/],
    [{ approvers: [42] }, /^approval\.approvers\[0\]: /],
  ])('%j is refused', (approval, message) => {
    expect(issuesOf(spec(approval))).toEqual([expect.stringMatching(message)]);
  });
});
