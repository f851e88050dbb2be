/**
 * Fault injection shared by the back-end fakes: which calls of which operation are throttled,
 * failed, slowed down or left hanging. Rules come from a fake's `faults` start option, or else
 * from the `FAKE_FAULTS` environment variable (comma-separated `Operation:kind:share[:ms]`, e.g.
 * `DeleteSecret:throttle:0.6,GetSecretValue:slow:0.2:300`; `*` = every operation). Each fake
 * names its operations as its wire does and turns a decision into its own answer (its
 * `*-fake.ts` file says how); this module only parses and decides.
 *
 * kinds: `throttle` (the back-end's "too many requests"; `ms`, when given, is sent as
 * `Retry-After` by the HTTP fakes that send one), `fail` (the back-end's internal failure),
 * `slow` (wait `ms`, default 1000, then serve), `hang` (never answer; the client's timeout or the
 * fake's close ends the call).
 */

export const FAULT_KINDS = ['throttle', 'fail', 'slow', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One rule: a share of the calls of `operation` (`*`: any) gets the fault. */
export interface FaultRule {
  operation: string;
  kind: FaultKind;
  /** 0..1: the chance that a matching call gets the fault (1: every one). */
  share: number;
  /** `slow`: the delay (default 1000 ms); `throttle`: the Retry-After to announce, if any. */
  ms?: number;
  /** Only the first N matching calls are candidates (deterministic tests: share 1, first N). */
  first?: number;
}

/** The delay of a `slow` rule without `ms`. */
export const DEFAULT_SLOW_MS = 1000;

/** Parses `Operation:kind:share[:ms]` items, comma-separated; throws naming the bad item. */
export function parseFaults(text: string): FaultRule[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map(parseFaultItem);
}

function parseFaultItem(item: string): FaultRule {
  const bad = (why: string) => new Error(`FAKE_FAULTS: "${item}" ${why} (Operation:kind:share[:ms])`);
  const parts = item.split(':');
  if (parts.length < 3 || parts.length > 4) throw bad('needs 3 or 4 colon-separated fields');
  const [operation, kind, shareText, msText] = parts;
  if (operation === '') throw bad('names no operation');
  if (!(FAULT_KINDS as readonly string[]).includes(kind))
    throw bad(`has an unknown kind; use ${FAULT_KINDS.join(', ')}`);
  const share = Number(shareText);
  if (shareText === '' || !Number.isFinite(share) || share < 0 || share > 1)
    throw bad('needs a share between 0 and 1');
  const rule: FaultRule = { operation, kind: kind as FaultKind, share };
  if (msText !== undefined) {
    const ms = Number(msText);
    if (msText === '' || !Number.isInteger(ms) || ms < 0) throw bad('needs ms as a whole number ≥ 0');
    rule.ms = ms;
  }
  return rule;
}

/** A rule chosen for one call. */
export interface Fault {
  kind: FaultKind;
  ms?: number;
}

/** One injected fault, as recorded. */
export interface InjectedFault extends Fault {
  operation: string;
}

/** A small seeded generator (mulberry32), so a seeded fake injects the same faults every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a fake's start function takes: rules (or their text), and an optional seed. */
export interface FaultOptions {
  /** Rules or `FAKE_FAULTS`-style text; unset: the `FAKE_FAULTS` environment variable. */
  faults?: FaultRule[] | string;
  /** Seed of the share draws (unset: Math.random). */
  faultSeed?: number;
}

/**
 * The fault rules of one fake, changeable at run time (`set`, `clear`), and the faults it
 * injected. The first rule matching an operation (by name, else `*`) decides.
 */
export class FaultInjector {
  private current: FaultRule[] = [];
  private seen = new Map<FaultRule, number>();
  private readonly random: () => number;
  /** Every fault injected, oldest first. */
  readonly injected: InjectedFault[] = [];

  constructor(options: FaultOptions = {}) {
    this.random = options.faultSeed === undefined ? Math.random : seededRandom(options.faultSeed);
    const given = options.faults ?? process.env.FAKE_FAULTS ?? '';
    this.set(typeof given === 'string' ? parseFaults(given) : given);
  }

  get rules(): readonly FaultRule[] {
    return this.current;
  }

  /** Replaces the rules (text or list); counters of `first` start again. */
  set(rules: FaultRule[] | string): void {
    this.current = (typeof rules === 'string' ? parseFaults(rules) : rules).map((rule) => ({ ...rule }));
    this.seen = new Map();
  }

  /** Removes every rule (and forgets the injected faults). */
  clear(): void {
    this.set([]);
    this.injected.length = 0;
  }

  /** The fault for one call of `operation`, or undefined to serve it normally. */
  decide(operation: string): Fault | undefined {
    const rule =
      this.current.find((r) => r.operation === operation) ?? this.current.find((r) => r.operation === '*');
    if (!rule) return undefined;
    const count = (this.seen.get(rule) ?? 0) + 1;
    this.seen.set(rule, count);
    if (rule.first !== undefined && count > rule.first) return undefined;
    if (rule.share < 1 && this.random() >= rule.share) return undefined;
    const fault: Fault = { kind: rule.kind };
    if (rule.kind === 'slow') fault.ms = rule.ms ?? DEFAULT_SLOW_MS;
    else if (rule.ms !== undefined) fault.ms = rule.ms;
    this.injected.push({ operation, ...fault });
    return fault;
  }
}

/** What an HTTP fake does with a call after `applyFault`. */
export type FaultOutcome = 'serve' | 'throttle' | 'fail' | 'hang';

/** Waits out a `slow` fault and says what the fake must answer instead of serving, if anything. */
export async function applyFault(
  fault: Fault | undefined,
  wait: (ms: number) => Promise<void>,
): Promise<FaultOutcome> {
  if (!fault) return 'serve';
  if (fault.kind === 'slow') {
    await wait(fault.ms ?? DEFAULT_SLOW_MS);
    return 'serve';
  }
  return fault.kind;
}

/** The `Retry-After` header (whole seconds, at least 1) for a throttle fault with `ms`, else none. */
export function retryAfterHeader(fault: Fault | undefined): Record<string, string> {
  if (fault?.kind !== 'throttle' || fault.ms === undefined) return {};
  return { 'retry-after': String(Math.max(1, Math.ceil(fault.ms / 1000))) };
}
