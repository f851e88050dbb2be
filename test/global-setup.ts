/**
 * Vitest global setup. With `SGW_TEST_CONTAINERS=true` and no `DATABASE_URL`/`REDIS_URL`, it
 * starts Postgres 15 and Redis 7 with testcontainers (a user's CI with a Docker engine) and
 * hands their URLs to every test file through the environment; the machines this project is
 * built on have no Docker engine, so without that variable nothing happens here: the suite uses
 * `DATABASE_URL`/`REDIS_URL` when set, else embedded PGlite and in-process events.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.SGW_TEST_CONTAINERS !== 'true') return undefined;
  if (process.env.DATABASE_URL && process.env.REDIS_URL) return undefined;
  const { GenericContainer, getContainerRuntimeClient, Wait } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    throw new Error(
      `SGW_TEST_CONTAINERS=true, but no container runtime answers: ${(error as Error).message}`,
    );
  }
  const stops: Array<() => Promise<unknown>> = [];
  if (!process.env.DATABASE_URL) {
    const postgres = await new GenericContainer('postgres:15')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    stops.push(() => postgres.stop());
    process.env.DATABASE_URL = `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/test`;
  }
  if (!process.env.REDIS_URL) {
    const redis = await new GenericContainer('redis:7').withExposedPorts(6379).start();
    stops.push(() => redis.stop());
    process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  }
  return async () => {
    for (const stop of stops) await stop();
  };
}
