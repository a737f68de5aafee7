import path from 'node:path';
import { type MigrateOptions, migrateSchema } from '@telemetry-kit/service-kit/migrations';

export const MIGRATIONS_DIR = path.join(import.meta.dirname, '../migrations');
export const SCHEMA = 'marketplace';

/** Applies or reverts the marketplace's migrations (listings and purchases) in the 'marketplace' schema, in one transaction. */
export function migrate(options: MigrateOptions): Promise<string[]> {
  return migrateSchema({ schema: SCHEMA, dir: MIGRATIONS_DIR }, options);
}
