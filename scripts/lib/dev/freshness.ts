// What `npm run dev` can skip because nothing changed: an image whose build inputs hash to the label
// the image already carries, a migration whose schema is already at head (asked of the migration table,
// no Node process), and the whole `up` when every component runs healthy on the configuration it was
// started with.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildInputsHash, serviceBuildInputs, serviceImageRecipe } from '@telemetry-kit/testkit/workspace';
import { migrationFileNames } from '../migrations.ts';
import { inspectImages, REPO_ROOT } from './compose.ts';
import type { DatabaseAddress } from './database.ts';
import { DATABASE_SERVICE, withDatabase } from './database.ts';
import type { DevService } from './model.ts';
import type { ContainerStatus } from './progress.ts';

/** The image label compose's build sets (compose.yaml `labels`) from SOURCE_HASH_<SERVICE>. */
export const SOURCE_HASH_LABEL = 'org.telemetry-kit.source-hash';
/** The variable compose reads a service's source hash from: gateway → SOURCE_HASH_GATEWAY. */
export const sourceHashVariable = (service: string) =>
  `SOURCE_HASH_${service.toUpperCase().replace(/-/g, '_')}`;

/**
 * The build arguments that do not make another image: the commit, baked in as service.version and the
 * OCI revision label. An image whose inputs did not change is kept across commits, with the commit it
 * was built from (what `npm run dev:status` shows); a commit alone would otherwise rebuild every image.
 */
const UNHASHED_BUILD_ARGS = new Set(['SERVICE_VERSION']);

/**
 * Each built service's source hash: its build inputs (the files its image is built from, as the testkit
 * lists them) and build arguments, but the commit (UNHASHED_BUILD_ARGS).
 */
export async function sourceHashes(
  services: Array<Pick<DevService, 'name' | 'dockerfile'>>,
  buildArgs: Record<string, string>,
  root = REPO_ROOT,
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const hashed = Object.fromEntries(
    Object.entries(buildArgs).filter(([name]) => !UNHASHED_BUILD_ARGS.has(name)),
  );
  for (const service of services.filter((s) => s.dockerfile)) {
    const recipe = serviceImageRecipe(root, service.name);
    hashes.set(
      service.name,
      await buildInputsHash(
        {
          name: service.name,
          context: root,
          dockerfile: recipe.dockerfile,
          ...(recipe.target ? { target: recipe.target } : {}),
          inputs: serviceBuildInputs(root, service.name),
          buildArgs: recipe.buildArgs,
        },
        hashed,
      ),
    );
  }
  return hashes;
}

/** The source-hash label of each image the engine has (absent images are left out). */
export async function imageSourceHashes(images: string[]): Promise<Map<string, string>> {
  const labels = await inspectImages(images, `{{index .Config.Labels "${SOURCE_HASH_LABEL}"}}`);
  return new Map([...labels].map(([image, label]) => [image, label.trim()]));
}

/** The services whose image must be built: absent, or labelled with another source hash. */
export function needsBuild(
  services: DevService[],
  hashes: Map<string, string>,
  labels: Map<string, string>,
): DevService[] {
  return services.filter((s) => s.dockerfile && labels.get(s.image) !== hashes.get(s.name));
}

/** The migrations a schema-owning service ships (their names as the migration table records them). */
export function migrationNames(service: string, root = REPO_ROOT): string[] {
  return migrationFileNames(root, service).map((file) => file.replace(/\.(sql|js|ts)$/, ''));
}

/**
 * Which migration one-shots (`<service>-migrate`) have nothing to do: every migration of the service is
 * in its schema's migration table. One query over postgres's published port answers for all, asked only
 * of this project's running postgres container.
 */
export async function migrationsAtHead(
  oneShots: DevService[],
  containers: ContainerStatus[],
  database: DatabaseAddress | undefined,
  root = REPO_ROOT,
): Promise<Set<string>> {
  const atHead = new Set<string>();
  const running = containers.some((c) => c.service === DATABASE_SERVICE && c.state === 'running');
  if (!running || !database) return atHead;
  const schemas = oneShots
    .map((s) => s.name.replace(/-migrate$/, ''))
    .filter((s) => migrationNames(s, root).length);
  if (schemas.length === 0) return atHead;
  const query = schemas
    .map((schema) => `select '${schema}' as schema, name from ${schema}.pgmigrations`)
    .join(' union all ');
  // One schema missing its table fails the query: then nothing counts as at head, and the one-shots run.
  const rows = await withDatabase(
    database,
    async (client) => (await client.query<{ schema: string; name: string }>(query)).rows,
  );
  if (!rows) return atHead;
  const applied = new Map<string, Set<string>>();
  for (const { schema, name } of rows) applied.set(schema, (applied.get(schema) ?? new Set()).add(name));
  for (const schema of schemas) {
    if (migrationNames(schema, root).every((m) => applied.get(schema)?.has(m)))
      atHead.add(`${schema}-migrate`);
  }
  return atHead;
}

/**
 * A service is up when its container runs healthy (or has no healthcheck, or is still starting by
 * Docker's count but answered its readiness probe: `answering`), a one-shot when it exited 0.
 */
export function isUp(
  service: DevService,
  containers: ContainerStatus[],
  answering: ReadonlySet<string> = new Set(),
): boolean {
  const container = containers.find((c) => c.service === service.name);
  if (!container) return false;
  if (service.oneShot) return container.state === 'exited' && container.exitCode === 0;
  if (container.state !== 'running') return false;
  if (container.health === 'starting') return answering.has(service.name);
  return container.health === '' || container.health === 'healthy';
}

/** Where the last successful `up` records the configuration it started (.dev/, ignored by git). */
const STAMP = path.join(REPO_ROOT, '.dev/last-up.json');

/** What the last successful `up` started, and the configuration it started it with. */
export function lastUp(stamp = STAMP): { config: string; started: string[] } | undefined {
  try {
    const last = JSON.parse(readFileSync(stamp, 'utf8')) as { config?: string; started?: string[] };
    return last.config && last.started ? { config: last.config, started: last.started } : undefined;
  } catch {
    return undefined;
  }
}

export function recordUp(config: string, started: string[], stamp = STAMP): void {
  mkdirSync(path.dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${JSON.stringify({ config, started, at: new Date().toISOString() })}\n`);
}
