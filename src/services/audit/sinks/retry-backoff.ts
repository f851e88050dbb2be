/** Delay before the first retry. */
const FIRST_DELAY_MS = 250;

/**
 * The wait before retry number `attempt` (1, 2, …): exponential from 250 ms, capped at `maxMs`,
 * with jitter (between half and all of it) so replicas and receivers don't retry in step.
 */
export function retryDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, FIRST_DELAY_MS * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
