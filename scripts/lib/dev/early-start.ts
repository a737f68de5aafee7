// A warm start (containers removed, volumes kept) can only learn whether the schemas are at head from a
// running Postgres. Rather than run every migration to find out (a Node start each, one after the
// other: they share one advisory lock), `up` starts Postgres first, together with everything that needs
// no migrated schema, asks the migration table once Postgres answers, and runs only what is behind.
import { $ } from 'zx';
import type { ComposeSelection } from './compose.ts';
import { composeArgs, labelledContainers } from './compose.ts';
import type { DevService } from './model.ts';
import type { ContainerStatus } from './progress.ts';

const DATABASE = 'postgres';

/** What can start before the migrations: all but the one-shots and the services that wait for one. */
export function startableBeforeMigrations(services: readonly DevService[]): string[] {
  const oneShots = new Set(services.filter((s) => s.oneShot).map((s) => s.name));
  return services
    .filter((s) => !s.oneShot && !s.dependsOn.some((dependency) => oneShots.has(dependency)))
    .map((s) => s.name);
}

/**
 * Starts the database and what needs no migrated schema (without waiting for their health), then waits
 * until the database is healthy. Returns the project's containers then, or undefined when there is no
 * database to ask (nothing of the plan migrates, or it did not become healthy in time: the migrations
 * then run as before and say why).
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
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const containers = await labelledContainers(project);
    const database = containers.find((c) => c.service === DATABASE);
    if (database?.state === 'running' && database.health === 'healthy') return containers;
    if (database && database.state !== 'running' && database.state !== 'created') return undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}
