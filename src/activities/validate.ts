// Validating the rollout spec is an activity, not workflow code: zod would otherwise be copied into every running
// workflow (about 1.3 MB each; see src/schema/signal-check.ts). It makes no AWS call, so a bad spec still changes
// nothing in AWS.
import { ApplicationFailure } from '@temporalio/activity';
import { InvalidInputError, parseSpec, type RolloutSpec } from '../schema';

export const validateActivities = {
  async validateSpec(input: unknown): Promise<RolloutSpec> {
    try {
      return parseSpec(input);
    } catch (err) {
      if (err instanceof InvalidInputError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidSpec');
      throw err;
    }
  },
};
