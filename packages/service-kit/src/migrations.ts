import { runner } from 'node-pg-migrate';

export interface MigrateOptions {
  databaseUrl: string;
  direction: 'up' | 'down';
  /** How many migrations to apply or revert; all pending for up, one for down by default. */
  count?: number;
  /** Directory of the migration files; the service's own by default. */
  dir?: string;
  log?: (message: string) => void;
}

export interface ServiceMigrations {
  /** The Postgres schema the service owns; its migrations table lives there too. */
  schema: string;
  /** The service's migrations directory. */
  dir: string;
}

/**
 * Applies or reverts a service's migrations in its own schema, all in one transaction: a failing
 * migration leaves the database exactly as it was. Returns the names of the migrations run.
 */
export async function migrateSchema(service: ServiceMigrations, options: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: options.databaseUrl,
    dir: options.dir ?? service.dir,
    direction: options.direction,
    count: options.count ?? (options.direction === 'up' ? Number.POSITIVE_INFINITY : 1),
    migrationsTable: 'pgmigrations',
    schema: service.schema,
    createSchema: true,
    singleTransaction: true,
    checkOrder: true,
    log: options.log ?? (() => {}),
  });
  return applied.map((migration) => migration.name);
}

/**
 * The one-shot migration step's command line (`migrate up|down [count]`, DATABASE_URL from the
 * environment), logging JSON lines as `<service>-migrate`. Exits 2 on bad usage, 1 on failure.
 */
export async function runMigrationCli(
  serviceName: string,
  migrate: (options: MigrateOptions) => Promise<string[]>,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  const service = `${serviceName}-migrate`;
  const log = (level: 'info' | 'error', msg: string, extra: object = {}) =>
    (level === 'info' ? console.log : console.error)(JSON.stringify({ level, service, msg, ...extra }));
  const [direction = 'up', count] = argv;
  if (direction !== 'up' && direction !== 'down') {
    console.error('usage: migrate up|down [count]');
    process.exit(2);
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('migrate: DATABASE_URL is not set — e.g. postgres://app:app@localhost:5432/app');
    process.exit(2);
  }
  try {
    const applied = await migrate({
      databaseUrl,
      direction,
      ...(count === undefined ? {} : { count: Number(count) }),
      log: (message) => log('info', message),
    });
    log('info', `${direction}: ${applied.length} migration(s)`, { migrations: applied });
  } catch (error) {
    // The runner's messages name migrations and SQL, never the connection string.
    log('error', (error as Error).message);
    process.exit(1);
  }
}
