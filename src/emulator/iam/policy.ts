/**
 * An identity-based IAM policy and its evaluation, as the IAM User Guide's policy evaluation logic describes it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit Deny in any
 * statement wins; otherwise a matching Allow allows; otherwise the request is implicitly denied.
 *
 * Supported: Action/NotAction and Resource/NotResource with `*` and `?` wildcards (actions case-insensitive, ARNs
 * case-sensitive), and the condition operators in CONDITION_OPERATORS with the `ForAllValues:`/`ForAnyValue:` set
 * prefixes and the `IfExists` suffix
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html). A policy
 * using anything else is refused when it is loaded: an emulator that silently ignored a condition would allow what
 * AWS denies.
 */

export type Effect = 'Allow' | 'Deny';

export interface Statement {
  sid?: string;
  effect: Effect;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  /** operator → condition key → values; all operators and all keys must hold, any value of a key may match. */
  conditions: { operator: string; key: string; values: string[] }[];
}

export interface Policy {
  statements: Statement[];
}

/** What one authorization asks: an action on a resource, with the request's condition keys. */
export interface AuthorizationRequest {
  action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  /** Condition keys (case-insensitive names) and their values; multivalued keys (aws:TagKeys) are arrays. */
  context?: Record<string, string | string[]>;
}

export type Decision = 'allow' | 'explicitDeny' | 'implicitDeny';

type Matcher = (requestValue: string, policyValue: string) => boolean;

const STRING_MATCHERS: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: (v, p) => v === p, negated: false },
  StringNotEquals: { match: (v, p) => v === p, negated: true },
  StringEqualsIgnoreCase: { match: (v, p) => v.toLowerCase() === p.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (v, p) => v.toLowerCase() === p.toLowerCase(), negated: true },
  StringLike: { match: (v, p) => globMatch(p, v, false), negated: false },
  StringNotLike: { match: (v, p) => globMatch(p, v, false), negated: true },
  // ARN operators compare ARNs; the like forms take the same wildcards as Resource (IAM User Guide, ARN operators).
  ArnEquals: { match: (v, p) => globMatch(p, v, false), negated: false },
  ArnLike: { match: (v, p) => globMatch(p, v, false), negated: false },
  ArnNotEquals: { match: (v, p) => globMatch(p, v, false), negated: true },
  ArnNotLike: { match: (v, p) => globMatch(p, v, false), negated: true },
  NumericEquals: { match: (v, p) => Number(v) === Number(p), negated: false },
  NumericNotEquals: { match: (v, p) => Number(v) === Number(p), negated: true },
  NumericLessThan: { match: (v, p) => Number(v) < Number(p), negated: false },
  NumericLessThanEquals: { match: (v, p) => Number(v) <= Number(p), negated: false },
  NumericGreaterThan: { match: (v, p) => Number(v) > Number(p), negated: false },
  NumericGreaterThanEquals: { match: (v, p) => Number(v) >= Number(p), negated: false },
  Bool: { match: (v, p) => v.toLowerCase() === p.toLowerCase(), negated: false },
};

/** Every operator a policy may use here (plus the ForAllValues:/ForAnyValue: prefixes and the IfExists suffix). */
export const CONDITION_OPERATORS = [...Object.keys(STRING_MATCHERS), 'Null'];

/** `*` matches any run of characters, `?` exactly one; everything else literally. */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative matcher with backtracking on the last `*` (linear in practice, no regex built from user input).
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

function list(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || !items.every((i) => typeof i === 'string' && i !== '')) {
    throw new Error(`${where} must be a non-empty string or a list of them`);
  }
  return items as string[];
}

function conditionValues(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new Error(`${where} must hold at least one value`);
  return items.map((i) => {
    if (typeof i === 'string') return i;
    if (typeof i === 'number' || typeof i === 'boolean') return String(i);
    throw new Error(`${where} values must be strings, numbers or booleans`);
  });
}

function baseOperator(operator: string): string {
  return operator.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
}

/** Checks and normalises a policy document; the error names the statement and field that is wrong. */
export function parsePolicy(raw: unknown, where = 'IAM policy'): Policy {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be a JSON object`);
  const doc = raw as Record<string, unknown>;
  const rawStatements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  if (rawStatements.length === 0) throw new Error(`${where} has no Statement`);
  const statements = rawStatements.map((s, i): Statement => {
    const at = `${where} Statement[${i}]${typeof (s as { Sid?: unknown })?.Sid === 'string' ? ` (${(s as { Sid: string }).Sid})` : ''}`;
    if (typeof s !== 'object' || s === null) throw new Error(`${at} must be an object`);
    const st = s as Record<string, unknown>;
    for (const key of Object.keys(st)) {
      if (!['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'].includes(key)) {
        throw new Error(`${at} has ${key}, which an identity-based policy evaluated here cannot use`);
      }
    }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw new Error(`${at}.Effect must be "Allow" or "Deny"`);
    if ((st.Action === undefined) === (st.NotAction === undefined)) {
      throw new Error(`${at} needs exactly one of Action and NotAction`);
    }
    if ((st.Resource === undefined) === (st.NotResource === undefined)) {
      throw new Error(`${at} needs exactly one of Resource and NotResource`);
    }
    const conditions: Statement['conditions'] = [];
    if (st.Condition !== undefined) {
      if (typeof st.Condition !== 'object' || st.Condition === null)
        throw new Error(`${at}.Condition must be an object`);
      for (const [operator, keys] of Object.entries(st.Condition as Record<string, unknown>)) {
        if (!CONDITION_OPERATORS.includes(baseOperator(operator))) {
          throw new Error(
            `${at}.Condition uses ${operator}; this emulator evaluates ${CONDITION_OPERATORS.join(', ')} ` +
              '(with ForAllValues:/ForAnyValue: and …IfExists)',
          );
        }
        if (typeof keys !== 'object' || keys === null) throw new Error(`${at}.Condition.${operator} must be an object`);
        for (const [key, values] of Object.entries(keys as Record<string, unknown>)) {
          conditions.push({ operator, key, values: conditionValues(values, `${at}.Condition.${operator}.${key}`) });
        }
      }
    }
    return {
      ...(typeof st.Sid === 'string' ? { sid: st.Sid } : {}),
      effect: st.Effect,
      ...(st.Action !== undefined ? { actions: list(st.Action, `${at}.Action`) } : {}),
      ...(st.NotAction !== undefined ? { notActions: list(st.NotAction, `${at}.NotAction`) } : {}),
      ...(st.Resource !== undefined ? { resources: list(st.Resource, `${at}.Resource`) } : {}),
      ...(st.NotResource !== undefined ? { notResources: list(st.NotResource, `${at}.NotResource`) } : {}),
      conditions,
    };
  });
  return { statements };
}

function lookup(context: AuthorizationRequest['context'], key: string): string[] | undefined {
  if (!context) return undefined;
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === wanted) return Array.isArray(v) ? v : [v];
  }
  return undefined;
}

function conditionHolds(c: Statement['conditions'][number], context: AuthorizationRequest['context']): boolean {
  const setOperator = /^(ForAllValues|ForAnyValue):/.exec(c.operator)?.[1];
  const ifExists = c.operator.endsWith('IfExists');
  const base = baseOperator(c.operator);
  const requestValues = lookup(context, c.key);
  if (base === 'Null') {
    // "Null": {"key": "true"} holds when the key is absent (IAM User Guide, condition operator to check existence).
    const absent = requestValues === undefined || requestValues.length === 0;
    return c.values.some((p) => (p.toLowerCase() === 'true') === absent);
  }
  const { match, negated } = STRING_MATCHERS[base];
  // One request value against the policy's values: positive operators need one equal value, negated ones none.
  const valueHolds = (v: string) => (negated ? !c.values.some((p) => match(v, p)) : c.values.some((p) => match(v, p)));
  if (setOperator === 'ForAllValues') {
    // True when every value in the request matches, including when the request has none (IAM User Guide,
    // multivalued context keys).
    return (requestValues ?? []).every(valueHolds);
  }
  if (requestValues === undefined) return ifExists || (negated && setOperator === undefined);
  if (setOperator === 'ForAnyValue') return requestValues.some(valueHolds);
  return requestValues.some(valueHolds);
}

function statementApplies(s: Statement, req: AuthorizationRequest): boolean {
  const actionMatches = (patterns: string[]) => patterns.some((p) => globMatch(p, req.action, true));
  const resourceMatches = (patterns: string[]) => patterns.some((p) => globMatch(p, req.resource, false));
  if (s.actions && !actionMatches(s.actions)) return false;
  if (s.notActions && actionMatches(s.notActions)) return false;
  if (s.resources && !resourceMatches(s.resources)) return false;
  if (s.notResources && resourceMatches(s.notResources)) return false;
  return s.conditions.every((c) => conditionHolds(c, req.context));
}

/** Deny beats Allow; no matching Allow is an implicit deny. */
export function evaluate(policy: Policy, req: AuthorizationRequest): Decision {
  let allowed = false;
  for (const s of policy.statements) {
    if (!statementApplies(s, req)) continue;
    if (s.effect === 'Deny') return 'explicitDeny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicitDeny';
}
