import path from 'node:path';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = path.join(import.meta.dirname, '../migrations');
export const SCHEMA = 'marketplace';

export interface MigrateOptions {
  databaseUrl: string;
  direction: 'up' | 'down';
  /** How many migrations to apply or revert; all pending for up, one for down by default. */
  count?: number;
  dir?: string;
  log?: (message: string) => void;
}

/**
 * Applies or reverts the marketplace's migrations in its own schema, all in one transaction: a
 * failing migration leaves the database exactly as it was. Returns the names of the migrations run.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: options.databaseUrl,
    dir: options.dir ?? MIGRATIONS_DIR,
    direction: options.direction,
    count: options.count ?? (options.direction === 'up' ? Number.POSITIVE_INFINITY : 1),
    migrationsTable: 'pgmigrations',
    schema: SCHEMA,
    createSchema: true,
    singleTransaction: true,
    checkOrder: true,
    log: options.log ?? (() => {}),
  });
  return applied.map((migration) => migration.name);
}
