/**
 * TEST-ONLY hook for the kill-point tests (test/integration/migration-kill-points.test.ts):
 * `SGW_TEST_KILL_AT=<point>[:<n>]` makes this process SIGKILL itself the n-th time (default the
 * first) it reaches <point>, so a test can stop a real gateway at an exact step of a migration.
 * Never set it outside tests; unset, `killPoint` does nothing.
 */
export type KillPoint = 'after-copy' | 'after-commit' | 'during-deletes';

const [point, nth] = (process.env.SGW_TEST_KILL_AT ?? '').split(':');
let left = Number(nth || 1);

/** SIGKILLs this process at the point named by SGW_TEST_KILL_AT (tests only). */
export function killPoint(name: KillPoint): void {
  if (name !== point) return;
  left -= 1;
  if (left === 0) process.kill(process.pid, 'SIGKILL');
}
