// Who may approve or roll back a rollout: the spec's `approval.approvers` and `approval.rollbackers`, lists of
// patterns that a request's `by` must match. No zod here: the workflow imports this file to decide on every approve
// and rollback (see signal-check.ts for why zod stays out of the workflow); spec.ts checks the patterns themselves.

/** A DNS name: labels of letters, digits and inner hyphens (RFC 1123), at least two of them. */
const DOMAIN = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+';

/**
 * A pattern is a person's exact name or e-mail (the same rule as a request's `by`), or `*@domain`: anyone at that
 * domain (not its subdomains).
 */
export const APPROVER_PATTERN = new RegExp(`^(?:\\*@${DOMAIN}|[A-Za-z0-9][A-Za-z0-9._@+-]{0,127})$`);
export const APPROVER_PATTERN_RULE =
  'each entry is a user name or e-mail ("alice@example.com") or "*@<domain>" for anyone at that domain ("*@ml-platform.example.com")';

/**
 * Whether `by` may act under `patterns`; no list means anyone may. Names and e-mails compare without regard to case,
 * as mail systems and identity providers treat them (RFC 5321 §2.4 lets a mailbox's local part be case-sensitive,
 * which no common provider does).
 */
export function allowedBy(patterns: readonly string[] | undefined, by: string): boolean {
  if (!patterns) return true;
  const who = by.toLowerCase();
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    if (!p.startsWith('*@')) return who === p;
    const at = who.lastIndexOf('@');
    return at > 0 && who.indexOf('@') === at && who.slice(at) === p.slice(1);
  });
}
