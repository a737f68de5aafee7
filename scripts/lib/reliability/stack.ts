// The reference app in its own compose project, for the reliability bench: the images `npm run dev`
// builds (built here when their inputs changed, as `npm run dev` would), started under another project
// name and on other host ports, so the stack the lead runs with `npm run dev` is never touched.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { pinnedImage } from '@telemetry-kit/observability-config/pins';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { $ } from 'zx';
import { composeArgs, loadProject } from '../dev/compose.ts';
import { imageSourceHashes, needsBuild, sourceHashes, sourceHashVariable } from '../dev/freshness.ts';

export const BENCH_PROJECT = 'telemetry-kit-reliability';

const quiet = $({ quiet: true, nothrow: true });

/** A port nothing listens on now, for a published port of the bench's project. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port on 127.0.0.1');
  return address.port;
}

export interface BenchStack {
  /** The gateway on the host, e.g. http://127.0.0.1:41234. */
  gatewayUrl: string;
  /** `docker compose` under the bench's project: resolves when it exits 0, throws with its stderr otherwise. */
  compose(...args: string[]): Promise<string>;
  /** The running containers of a service (two after a scale-up). */
  containers(service: string): Promise<string[]>;
  /** Waits until the container's healthcheck says healthy. */
  waitHealthy(container: string, timeoutMs?: number): Promise<void>;
  /** One SQL statement through psql in the Postgres container; rows as lines, columns split by `|`. */
  sql(statement: string): Promise<string[][]>;
  down(): Promise<void>;
}

/** Builds the app images whose inputs changed (as `npm run dev` does), then starts the app profile. */
export async function startBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const catalogue = loadServiceCatalogue(REPO_ROOT);
  const hashes = await sourceHashes(
    catalogue.map((service) => ({ name: service.name, dockerfile: service.build.dockerfile })),
    {
      NODE_IMAGE: process.env.NODE_IMAGE ?? pinnedImage(REPO_ROOT, 'NODE_IMAGE'),
      SERVICE_VERSION: process.env.SERVICE_VERSION ?? 'dev',
    },
  );
  const [gatewayPort, postgresPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries([...hashes].map(([service, hash]) => [sourceHashVariable(service), hash])),
    GATEWAY_PORT: String(gatewayPort),
    POSTGRES_PORT: String(postgresPort),
    WEB_PORT: String(await freePort()),
  };
  const base = ['compose', '-p', BENCH_PROJECT, ...composeArgs({ profiles: ['app'] }).slice(1)];
  const compose = async (...args: string[]) => {
    const result = await $({ quiet: true, nothrow: true, env })`docker ${base} ${args}`;
    if (result.exitCode !== 0) {
      throw new Error(
        `docker compose ${args.join(' ')} failed: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`,
      );
    }
    return result.stdout;
  };

  const project = await loadProject({ profiles: ['app'] });
  const app = project.services.filter((s) => s.profiles.includes('app') && s.name !== 'web');
  const stale = needsBuild(
    app,
    hashes,
    await imageSourceHashes(app.filter((s) => s.dockerfile).map((s) => s.image)),
  );
  if (stale.length > 0) {
    log(`  building ${stale.map((s) => s.name).join(', ')} (as npm run dev would)`);
    await compose('build', ...stale.map((s) => s.name));
  }
  log(`  starting the app in compose project ${BENCH_PROJECT} (gateway on 127.0.0.1:${gatewayPort})`);
  // Every long-running service by name: none depends on another it calls (compose.yaml, gateway), so
  // naming the gateway alone would start it without the upstreams its readiness waits for.
  await compose(
    'up',
    '--detach',
    '--wait',
    '--no-build',
    ...app.filter((s) => !s.oneShot).map((s) => s.name),
  );

  const containers = async (service: string) =>
    (
      await quiet`docker ps --filter ${`label=com.docker.compose.project=${BENCH_PROJECT}`} --filter ${`label=com.docker.compose.service=${service}`} --format ${'{{.Names}}'}`
    ).stdout
      .split('\n')
      .filter(Boolean)
      .sort();
  const postgres = async () => {
    const [name] = await containers('postgres');
    if (!name) throw new Error('the bench’s Postgres container is not running');
    return name;
  };
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    compose,
    containers,
    // Generous: on a shared 2-core machine a Node service has been seen to take minutes to start.
    async waitHealthy(container, timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = (
          await quiet`docker inspect --format ${'{{.State.Health.Status}}'} ${container}`
        ).stdout.trim();
        if (state === 'healthy') return;
        if (Date.now() > deadline) {
          // Kept before `down` removes the container with its logs.
          const logFile = path.join(os.tmpdir(), `${container}.log`);
          const logs = await quiet`docker logs --tail 200 ${container}`;
          await writeFile(logFile, `${logs.stdout}${logs.stderr}`);
          throw new Error(
            `${container} not healthy after ${timeoutMs / 1000} s (${state}) — its last log lines: ${logFile}`,
          );
        }
        await sleep(250);
      }
    },
    async sql(statement) {
      const result =
        await quiet`docker exec ${await postgres()} psql -U kit -d kit -At -v ON_ERROR_STOP=1 -c ${statement}`;
      if (result.exitCode !== 0) throw new Error(`psql failed: ${result.stderr.trim()}`);
      return result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('|'));
    },
    async down() {
      await compose('down', '--volumes', '--remove-orphans').catch((error: Error) =>
        log(`  ! ${error.message}`),
      );
    },
  };
}
