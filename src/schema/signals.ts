// Signal payloads: one zod schema each, used by the CLI before it sends and by the workflow when it receives
// (a `temporal workflow signal --input` can carry anything).
import { z } from 'zod';

/** Who: a user name or e-mail, so the audit trail in the result and history names a person. */
export const Approver = z
  .string({ error: 'by must be a string naming who you are' })
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/,
    'by must name who you are: a user name or e-mail (letters, digits and . _ @ + -, at most 128 characters)',
  );

const reason = z.string().trim().min(1, 'reason is empty: say why').max(1000, 'reason is longer than 1000 characters');

export const ApproveSignal = z.strictObject({ by: Approver, reason: reason.optional() });
export const RollbackSignal = z.strictObject({ by: Approver, reason });
export const PauseSignal = z.strictObject({ by: Approver, reason: reason.optional() });
export const ResumeSignal = z.strictObject({ by: Approver });

export type ApproveSignal = z.output<typeof ApproveSignal>;
export type RollbackSignal = z.output<typeof RollbackSignal>;
export type PauseSignal = z.output<typeof PauseSignal>;
export type ResumeSignal = z.output<typeof ResumeSignal>;

export const SIGNAL_SCHEMAS = {
  approve: ApproveSignal,
  rollback: RollbackSignal,
  pause: PauseSignal,
  resume: ResumeSignal,
} as const;
export type SignalName = keyof typeof SIGNAL_SCHEMAS;
