// The migration Jobs of the overlays, run as Kubernetes would run them: the service image built from
// this repository (what the Job's image names once pushed), the Job's exact command, DATABASE_URL from
// the environment. up → down (every step) → up against Postgres, reading the schema after each.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import { ServiceContainer } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import pg from 'pg';
import type { StartedNetwork } from 'testcontainers';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { downJobs, migrationFiles, rollbackPlan } from '../../scripts/lib/release/rollback.ts';
import type { K8sObject } from './rendered.ts';
import { podTemplate, rendered } from './rendered.ts';

const jobs = rendered('production').filter((o) => o.kind === 'Job');

/** The tables of a service's own schema (its migrations table aside), sorted. */
/** The migrations a schema's bookkeeping table records as applied, in the order they ran. */
async function applied(url: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>(
      `select name from ${schema}.pgmigrations order by id`,
    );
    return result.rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

async function tables(url: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = $1 and table_name <> 'pgmigrations' order by 1",
      [schema],
    );
    return result.rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

describeWithContainers(
  'the migration Jobs, up → down → up',
  { images: ['NODE_IMAGE', 'POSTGRES_IMAGE'] },
  () => {
    let network: StartedNetwork;
    let postgres: StartedPostgres;

    beforeAll(async () => {
      network = await new Network().start();
      postgres = await startPostgres(network);
    });
    afterAll(async () => {
      await postgres?.stop();
      await network?.stop();
    });

    /** The image run once with a command, as a Job runs it; started when it exited 0 (else it throws). */
    async function runOnce(image: string, databaseUrl: string, args: string[]) {
      const started = await new GenericContainer(image)
        .withNetwork(network)
        .withEnvironment({ DATABASE_URL: databaseUrl })
        .withCommand(args)
        .withWaitStrategy(Wait.forOneShotStartup())
        .withStartupTimeout(120_000)
        .start();
      await started.stop();
    }

    it('renders one per schema-owning service', () => {
      expect(jobs.map((j) => j.metadata.name).sort()).toEqual(['gateway-migrate', 'marketplace-migrate']);
    });

    it.each(jobs.map((j) => [j.metadata.name, j] as const))(
      '%s migrates up, all the way down, and up again',
      async (_, job: K8sObject) => {
        const [container] = podTemplate(job)?.spec.containers ?? [];
        const command = container?.command as string[];
        const service = job.metadata.labels?.['app.kubernetes.io/name'] ?? '';
        expect(command.at(-1)).toBe('up');
        const image = (await ServiceContainer.fromWorkspace(service)).image;
        const steps = readdirSync(path.join(REPO_ROOT, 'services', service, 'migrations')).length;
        // A database of its own, as each service's schema would be alone in it.
        const admin = new pg.Client({ connectionString: postgres.url });
        await admin.connect();
        await admin.query(`create database "${service}"`);
        await admin.end();
        const own = (url: string) => url.replace(/\/[^/]+$/, `/${service}`);
        const run = (args: string[]) => runOnce(image, own(postgres.networkUrl), args);
        await run(command);
        const afterUp = await tables(own(postgres.url), service);
        expect(afterUp.length, `${service}'s migrations created no table`).toBeGreaterThan(0);
        await run([...command.slice(0, -1), 'down', String(steps)]);
        expect(await tables(own(postgres.url), service), 'every table gone after down').toEqual([]);
        await run(command);
        expect(await tables(own(postgres.url), service)).toEqual(afterUp);
      },
    );

    it('a rollback’s down Job reverts only the newer migration its plan names, with the running image', async () => {
      const catalogue = loadServiceCatalogue(REPO_ROOT);
      const image = (await ServiceContainer.fromWorkspace('marketplace')).image;
      const all = migrationFiles(REPO_ROOT, 'marketplace').map((f) => f.name);
      // The running release has every migration, all declared safe; the earlier commit lacks the last one.
      const plan = rollbackPlan(
        { services: { marketplace: { image, migrations: all, safeDown: all } } },
        { marketplace: all.slice(0, -1) },
      );
      const jobs = new Map(
        rendered('production')
          .filter((o) => o.kind === 'Job' && o.metadata.name === 'marketplace-migrate')
          .map((o) => ['marketplace', o as never]),
      );
      const [down] = downJobs(plan, jobs, catalogue);
      const container = down?.spec.template.spec.containers[0];
      expect(container?.image).toBe(image);
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      await admin.query('create database "marketplace_rollback"');
      await admin.end();
      const url = (base: string) => base.replace(/\/[^/]+$/, '/marketplace_rollback');
      const run = (args: string[]) => runOnce(image, url(postgres.networkUrl), args);
      const up = catalogue.find((s) => s.name === 'marketplace')?.migrate ?? [];
      const named = (files: string[]) => files.map((file) => file.replace(/\.(sql|js|ts)$/, ''));
      await run(up);
      expect(await applied(url(postgres.url), 'marketplace')).toEqual(named(all));
      await run(container?.command ?? []);
      expect(await applied(url(postgres.url), 'marketplace')).toEqual(named(all.slice(0, -1)));
    });
  },
);
