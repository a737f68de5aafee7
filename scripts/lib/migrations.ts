import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** A service's migration files (services/<service>/migrations), in the order node-pg-migrate runs them. */
export function migrationFileNames(root: string, service: string): string[] {
  const dir = path.join(root, 'services', service, 'migrations');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => /\.(sql|js|ts)$/.test(file))
    .sort();
}
