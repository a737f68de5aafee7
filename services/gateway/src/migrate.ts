import path from 'node:path';
import { type MigrateOptions, migrateSchema } from '@telemetry-kit/service-kit/migrations';

export const MIGRATIONS_DIR = path.join(import.meta.dirname, '../migrations');
export const SCHEMA = 'gateway';

/** Applies or reverts the gateway's migrations (users and sessions) in the 'gateway' schema, in one transaction. */
export function migrate(options: MigrateOptions): Promise<string[]> {
  return migrateSchema({ schema: SCHEMA, dir: MIGRATIONS_DIR }, options);
}
