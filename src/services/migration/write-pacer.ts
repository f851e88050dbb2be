/**
 * Write rates per back-end flavor, from each service's documented quota (per account, project
 * or vault): AWS Secrets Manager 50/s for its write APIs (CreateSecret, DeleteSecret, …); GCP
 * Secret Manager 600 write requests a minute per project; Azure Key Vault 300 secret creates
 * per 10 s per vault (other transactions 4,000 per 10 s). Vault, the local file and the SQL
 * store publish no limit: unpaced.
 */
const WRITES_PER_SECOND: Readonly<Record<string, number>> = { aws: 50, gcp: 10, azure: 30 };

/** Paces writes to one back-end: `take(n)` resolves when n more writes may start. */
export interface WritePacer {
  /** Writes per second (0: unpaced). */
  readonly perSecond: number;
  take(count?: number): Promise<void>;
}

/**
 * The writes per second for a back-end flavor (`hashicorp`, the store's spelling, is `vault`):
 * `configured` when set (SGW_MIGRATION_WRITES_PER_SECOND; 0 = unpaced), else the flavor's quota.
 */
export function writesPerSecondOf(flavor: string, configured: number | undefined): number {
  if (flavor === 'sql' || flavor === 'local') return 0;
  return configured ?? WRITES_PER_SECOND[flavor] ?? 0;
}

/**
 * A token bucket (as a theoretical arrival time) holding a tenth of a second of writes, at
 * least one: a sustained caller gets `perSecond`, an idle one a small burst, never more.
 */
export function createWritePacer(perSecond: number): WritePacer {
  if (!(perSecond > 0)) return { perSecond: 0, take: async () => {} };
  const interval = 1000 / perSecond;
  const burst = Math.max(1, Math.floor(perSecond / 10)) * interval;
  let arrival = 0;
  return {
    perSecond,
    async take(count = 1) {
      const now = performance.now();
      arrival = Math.max(arrival, now) + count * interval;
      const wait = arrival - now - burst;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}
