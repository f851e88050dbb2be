import { BadUserInputError } from '../errors.js';

/** A back-end's rule for a name (characters and length), with the words that explain it. */
export interface NameRule {
  /** Whole-string pattern. */
  pattern: RegExp;
  maxLength?: number;
  /** The rule in words, shown to the user, e.g. "… may contain only … ([a-z0-9_-]+)". */
  description: string;
}

export function satisfiesRule(value: string, rule: NameRule): boolean {
  return rule.pattern.test(value) && (rule.maxLength === undefined || value.length <= rule.maxLength);
}

/** The BAD_USER_INPUT error for a value that breaks a rule; the issue message is the rule. */
export function ruleError(what: string, value: string, where: string, path: string, rule: string) {
  return new BadUserInputError(`Invalid ${what} "${value}" for the ${where}: ${rule}`, [
    { path, message: rule },
  ]);
}

/** Throws BAD_USER_INPUT naming the rule when `value` breaks it. */
export function checkRule(what: string, value: string, where: string, path: string, rule: NameRule): void {
  if (!satisfiesRule(value, rule)) throw ruleError(what, value, where, path, rule.description);
}
