// One-shot migration step: `npm run migrate -w @telemetry-kit/marketplace -- up|down [count]`.
// Run before the service starts (a compose service, a Kubernetes Job); never at web start.
import { migrate } from './migrate.ts';

const [direction = 'up', count] = process.argv.slice(2);
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
    log: (message) =>
      console.log(JSON.stringify({ level: 'info', service: 'marketplace-migrate', msg: message })),
  });
  console.log(
    JSON.stringify({
      level: 'info',
      service: 'marketplace-migrate',
      msg: `${direction}: ${applied.length} migration(s)`,
      migrations: applied,
    }),
  );
} catch (error) {
  // The runner's messages name migrations and SQL, never the connection string.
  console.error(
    JSON.stringify({ level: 'error', service: 'marketplace-migrate', msg: (error as Error).message }),
  );
  process.exit(1);
}
