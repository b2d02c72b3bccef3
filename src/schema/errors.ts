// Turns zod issues into lines a person can act on: "candidate.instanceCount: instanceCount must be at least 1".
import type { z } from 'zod';

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
    } else if (issue.code === 'invalid_type' && /received undefined/.test(message)) {
      message = `required: add ${path || 'it'}`;
    }
    return path ? `${path}: ${message}` : message;
  });
}

/** A validation failure of a spec or signal; `issues` holds one line per problem, each naming its field. */
export class InvalidInputError extends Error {
  constructor(
    readonly what: string,
    readonly issues: string[],
  ) {
    super(`invalid ${what}:\n  - ${issues.join('\n  - ')}`);
    this.name = 'InvalidInputError';
  }
}
