// One-shot migration step: `npm run migrate -w @telemetry-kit/marketplace -- up|down [count]`.
// Run before the service starts (a compose service, a Kubernetes Job); never at web start.
import { runMigrationCli } from '@telemetry-kit/service-kit/migrations';
import { migrate } from './migrate.ts';

await runMigrationCli('marketplace', migrate);
