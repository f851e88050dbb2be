/**
 * A cloud fake in its own process, as a real back-end would be: seeds BENCH_FAKE_SECRETS
 * global-scope secrets into the BENCH_FAKE_FLAVOR fake, then adds BENCH_FAKE_DELAY_MS to every
 * call and prints one JSON line `{ "config": <secrets-manager configuration> }` on stdout.
 */
import { type ManagerFlavor, startCloudFakes } from '../test/helpers/cloud-fakes.js';

const flavor = (process.env.BENCH_FAKE_FLAVOR ?? 'aws') as ManagerFlavor;
const secrets = Number(process.env.BENCH_FAKE_SECRETS ?? 0);
const fakes = await startCloudFakes();
for (let i = 0; i < secrets; i += 1) {
  fakes.seedGlobal(flavor, `bench-${i}`, { username: `u${i}`, password: `p${i}` }, 'basic_auth');
}
const delayMs = Number(process.env.BENCH_FAKE_DELAY_MS ?? 0);
for (const fake of [fakes.aws, fakes.gcp, fakes.azure, fakes.vault]) fake.delayMs = delayMs;
process.stdout.write(`${JSON.stringify({ config: fakes.managerConfig(flavor, { scope: 'global' }) })}\n`);
process.on('SIGTERM', () => void fakes.close().finally(() => process.exit(0)));
