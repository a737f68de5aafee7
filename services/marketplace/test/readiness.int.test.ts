import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import type { StartedServiceContainer } from '@telemetry-kit/testkit';
import { ServiceContainer } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedNetwork } from 'testcontainers';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';

const docker = promisify(execFile);

/** The /readyz status once it is `wanted`, or the last one seen when it never was (within `withinMs`). */
async function readinessBecomes(url: string, wanted: number, withinMs = 60_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === wanted) return status;
    await sleep(250);
  }
  return status;
}

describeWithContainers(
  'the marketplace through a Postgres outage (its image, a real Postgres)',
  { images: ['NODE_IMAGE', 'POSTGRES_IMAGE'] },
  () => {
    let network: StartedNetwork;
    let postgres: StartedPostgres;
    let marketplace: StartedServiceContainer;

    beforeAll(async () => {
      network = await new Network().start();
      postgres = await startPostgres(network);
      const container = await ServiceContainer.fromWorkspace('marketplace');
      const { migrate } = loadServiceCatalogue(REPO_ROOT).find((s) => s.name === 'marketplace') ?? {};
      const migration = await new GenericContainer(container.image)
        .withNetwork(network)
        .withEnvironment({ DATABASE_URL: postgres.networkUrl })
        .withCommand(migrate as string[])
        .withWaitStrategy(Wait.forOneShotStartup())
        .withStartupTimeout(120_000)
        .start();
      await migration.stop();
      marketplace = await container
        .withNetwork(network)
        .withEnvironment({ DATABASE_URL: postgres.networkUrl, TELEMETRY_DRAIN_MS: '200' })
        .start();
    });

    afterAll(async () => {
      await marketplace?.stop();
      await postgres?.stop();
      await network?.stop();
    });

    it('turns unready while Postgres is stopped, and ready again, serving, once it is back', async () => {
      expect(await readinessBecomes(marketplace.url, 200), 'ready with Postgres up').toBe(200);

      await docker('docker', ['stop', postgres.container.getId()]);
      expect(await readinessBecomes(marketplace.url, 503), '/readyz while Postgres is stopped').toBe(503);
      const during = await fetch(`${marketplace.url}/listings`);
      expect(
        during.status,
        'a request needing Postgres fails cleanly, the process keeps running',
      ).toBeGreaterThanOrEqual(500);

      await docker('docker', ['start', postgres.container.getId()]);
      expect(await readinessBecomes(marketplace.url, 200), '/readyz after Postgres restarted').toBe(200);
      const after = await fetch(`${marketplace.url}/listings`);
      expect(after.status, 'the pool reconnected by itself: no restart of the marketplace').toBe(200);
    });
  },
);
