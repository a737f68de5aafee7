// A warm start (containers removed, volumes kept) can only learn whether the schemas are at head from a
// running Postgres. Rather than run every migration to find out (a Node start each, one after the
// other: they share one advisory lock), `up` starts Postgres first, together with everything that needs
// no migrated schema, asks the migration table once Postgres answers, and runs only what is behind.
import { $ } from 'zx/core';
import type { ComposeSelection } from './compose.ts';
import { composeArgs, labelledContainers } from './compose.ts';
import { accepting, DATABASE_SERVICE, databaseAddress } from './database.ts';
import type { DevService } from './model.ts';
import type { ContainerStatus } from './progress.ts';

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

/**
 * Starts the database and what needs no migrated schema (without waiting for their health), then waits
 * until the database accepts connections, asked from the host every 100 ms rather than at Docker's probe
 * interval (5 s on an engine without start_interval). Returns the project's containers then, or
 * undefined when there is no database to ask (nothing of the plan migrates, it publishes no port, or it
 * did not answer in time: the migrations then run as before and say why).
 */
export async function startBeforeMigrations(
  plan: readonly DevService[],
  selection: ComposeSelection,
  project: string,
  timeoutMs = 60_000,
): Promise<ContainerStatus[] | undefined> {
  const early = startableBeforeMigrations(plan);
  const address = databaseAddress(plan);
  if (!early.includes(DATABASE_SERVICE) || !plan.some((s) => s.oneShot) || !address) return undefined;
  const started = await $({
    quiet: true,
    nothrow: true,
  })`docker ${composeArgs(selection)} up --detach --no-build --no-deps ${early}`;
  if (started.exitCode !== 0) return undefined;
  const deadline = Date.now() + timeoutMs;
  for (let round = 1; Date.now() < deadline; round++) {
    if (await accepting(address)) return await labelledContainers(project);
    // A database that exited will not answer: every second, look.
    if (round % 10 === 0) {
      const database = (await labelledContainers(project)).find((c) => c.service === DATABASE_SERVICE);
      if (!database || (database.state !== 'running' && database.state !== 'created')) return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}
