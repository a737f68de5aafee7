// A warm start (containers removed, volumes kept) can only learn whether the schemas are at head from a
// running Postgres. Rather than run every migration to find out (a Node start each, one after the
// other: they share one advisory lock), `up` starts Postgres first, together with everything that needs
// no migrated schema, asks the migration table once Postgres answers, and runs only what is behind.
import { type DatabaseFacts, loadDatabaseFacts } from '@telemetry-kit/observability-config/services';
import { $ } from 'zx/core';
import type { ComposeSelection } from './compose.ts';
import { composeArgs, labelledContainers, REPO_ROOT } from './compose.ts';
import type { DevService } from './model.ts';
import type { ContainerStatus } from './progress.ts';

const DATABASE = 'postgres';

/**
 * What can start before the migrations: every service all of whose dependencies start then too. Not
 * the one-shots, nor what waits for one, nor what depends on those: `up --no-deps` drops a dependency
 * left out from the service's configuration, and compose would recreate the container the moment the
 * full `up` that follows puts it back (it is part of the configuration's hash).
 */
export function startableBeforeMigrations(services: readonly DevService[]): string[] {
  const early = new Set(services.filter((s) => !s.oneShot).map((s) => s.name));
  for (let changed = true; changed; ) {
    changed = false;
    for (const service of services) {
      if (early.has(service.name) && service.dependsOn.some((dependency) => !early.has(dependency))) {
        early.delete(service.name);
        changed = true;
      }
    }
  }
  return services.filter((s) => early.has(s.name)).map((s) => s.name);
}

/** Whether Postgres in the container accepts connections: its own healthcheck's test, asked now. */
async function accepting(container: string, { owner, database }: DatabaseFacts): Promise<boolean> {
  const ready = await $({
    quiet: true,
    nothrow: true,
  })`docker exec ${container} pg_isready -h 127.0.0.1 -U ${owner} -d ${database}`;
  return ready.exitCode === 0;
}

/**
 * Starts the database and what needs no migrated schema (without waiting for their health), then waits
 * until the database accepts connections: asked every 200 ms while starting, not at Docker's probe
 * interval (5 s on an engine without start_interval). Returns the project's containers then, or
 * undefined when there is no database to ask (nothing of the plan migrates, or it did not answer in
 * time: the migrations then run as before and say why).
 */
export async function startBeforeMigrations(
  plan: readonly DevService[],
  selection: ComposeSelection,
  project: string,
  timeoutMs = 60_000,
): Promise<ContainerStatus[] | undefined> {
  const early = startableBeforeMigrations(plan);
  if (!early.includes(DATABASE) || !plan.some((s) => s.oneShot)) return undefined;
  const started = await $({
    quiet: true,
    nothrow: true,
  })`docker ${composeArgs(selection)} up --detach --no-build --no-deps ${early}`;
  if (started.exitCode !== 0) return undefined;
  const facts = loadDatabaseFacts(REPO_ROOT);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const containers = await labelledContainers(project);
    const database = containers.find((c) => c.service === DATABASE);
    if (
      database?.state === 'running' &&
      (database.health === 'healthy' || (await accepting(database.name, facts)))
    )
      return containers;
    if (database && database.state !== 'running' && database.state !== 'created') return undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}
