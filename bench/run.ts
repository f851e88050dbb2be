import { writeFileSync } from 'node:fs';
import { benchAuditFanout } from './audit-fanout.js';
import type { BenchFigure } from './bench-report.js';
import { benchMigrationThroughput } from './migration-throughput.js';
import { benchSecretReadsWrites } from './secret-reads-writes.js';

// The figures are for the production set-up: Postgres and Redis (the machine's own by default).
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';

/** `npm run bench`: every benchmark, printed as a table and written to bench/results.json. */
const benches: Array<[string, () => Promise<BenchFigure[]>]> = [
  ['reads-writes', benchSecretReadsWrites],
  ['audit-fanout', benchAuditFanout],
  ['migration', benchMigrationThroughput],
];

const only = process.argv[2];
const results: Record<string, BenchFigure[]> = {};
for (const [name, run] of benches) {
  if (only && name !== only) continue;
  process.stderr.write(`running ${name}…\n`);
  results[name] = await run();
}
const rows = Object.values(results).flat();
const width = Math.max(...rows.map((r) => r.figure.length));
console.log(`${'figure'.padEnd(width)}  unit   gateway   baseline   ratio`);
for (const r of rows) {
  console.log(
    `${r.figure.padEnd(width)}  ${r.unit.padEnd(5)} ${String(r.gateway).padStart(9)} ${String(r.baseline ?? '-').padStart(10)} ${String(r.ratio ?? '-').padStart(7)}`,
  );
}
writeFileSync(
  new URL('./results.json', import.meta.url),
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`,
);
process.exit(0);
