// Started as `node --import @telemetry-kit/telemetry/register src/main.ts`, serving the app built by `vite build`.
import path from 'node:path';
import { FaultInjector, faultsFromEnv, serve } from '@telemetry-kit/service-kit';
import { startTelemetry } from '@telemetry-kit/telemetry';
import { z } from 'zod';
import { buildWebServer } from './server.ts';

const telemetry = startTelemetry({ serviceName: 'web' });
const env = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
    GATEWAY_URL: z.url(),
    /** Alloy's faro.receiver, as the browser reaches it, e.g. http://localhost:12347/collect. */
    FARO_COLLECTOR_URL: z.string().default(''),
    WEB_DIST_DIR: z.string().default(path.join(import.meta.dirname, '../dist')),
    ADMIN_TOKEN: z.string().optional(),
  })
  .parse(process.env);

const app = await buildWebServer({
  distDir: env.WEB_DIST_DIR,
  gatewayUrl: env.GATEWAY_URL.replace(/\/$/, ''),
  browserConfig: {
    faroUrl: env.FARO_COLLECTOR_URL,
    environment: telemetry.config.environment,
    version: telemetry.config.serviceVersion,
  },
  faults: new FaultInjector(faultsFromEnv()),
  telemetry,
  adminToken: env.ADMIN_TOKEN,
});
telemetry.addReadinessCheck({
  name: 'gateway',
  check: async (signal) => {
    const response = await fetch(`${env.GATEWAY_URL.replace(/\/$/, '')}/healthz`, { signal });
    if (!response.ok) throw new Error(`gateway /healthz answered ${response.status}`);
  },
});
await serve(app, telemetry, { port: env.PORT });
