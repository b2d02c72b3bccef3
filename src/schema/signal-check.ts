// Signal payloads checked WITHOUT zod, for the workflow sandbox only.
//
// Why a second checker: the Temporal worker gives every running workflow its own copy of each module it imports,
// and zod with our schemas costs about 1.3 MB per running rollout (docs/production.md, memory). The zod schemas in signals.ts stay the one definition (the CLI validates with them);
// test/unit/schema/signal-check.test.ts runs a corpus through both and requires the same verdicts, fields and values.
import type { SignalName } from './signals';

/** The same rule as signals.ts's Approver. */
const APPROVER = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
const APPROVER_RULE =
  'by must name who you are: a user name or e-mail (letters, digits and . _ @ + -, at most 128 characters)';

const FIELDS: Record<SignalName, { reason: 'required' | 'optional' | 'absent' }> = {
  approve: { reason: 'optional' },
  rollback: { reason: 'required' },
  pause: { reason: 'optional' },
  resume: { reason: 'absent' },
};

export type SignalCheck = { ok: true; value: { by: string; reason?: string } } | { ok: false; issues: string[] };

export function checkSignal(name: SignalName, raw: unknown): SignalCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: ['the signal payload must be a JSON object such as {"by": "alice"}'] };
  }
  const input = raw as Record<string, unknown>;
  const issues: string[] = [];
  const allowed = FIELDS[name].reason === 'absent' ? ['by'] : ['by', 'reason'];
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    issues.push(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}: remove ${unknown.length > 1 ? 'them' : 'it'} or check the spelling`,
    );
  }
  const by = input.by;
  if (by === undefined) issues.push('by: required: add by');
  else if (typeof by !== 'string') issues.push('by: by must be a string naming who you are');
  else if (!APPROVER.test(by)) issues.push(`by: ${APPROVER_RULE}`);

  let reason: string | undefined;
  if (FIELDS[name].reason !== 'absent') {
    const given = input.reason;
    if (given === undefined) {
      if (FIELDS[name].reason === 'required') issues.push('reason: required: add reason');
    } else if (typeof given !== 'string') {
      issues.push('reason: reason must be a string');
    } else {
      reason = given.trim();
      if (reason.length === 0) issues.push('reason: reason is empty: say why');
      else if (reason.length > 1000) issues.push('reason: reason is longer than 1000 characters');
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { by: by as string, ...(reason !== undefined ? { reason } : {}) } };
}
