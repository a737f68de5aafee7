// Started as `node --import @telemetry-kit/telemetry/register src/main.ts`, serving the app built by `vite build`.
import path from 'node:path';
import { runService, serviceEnv } from '@telemetry-kit/service-kit';
import { z } from 'zod';
import { buildWebServer } from './server.ts';

const webConfig = z.object({
  ...serviceEnv,
  GATEWAY_URL: z.url().transform((url) => url.replace(/\/$/, '')),
  /** Alloy's faro.receiver, as the browser reaches it, e.g. http://localhost:12347/collect. */
  FARO_COLLECTOR_URL: z.string().default(''),
  WEB_DIST_DIR: z.string().default(path.join(import.meta.dirname, '../dist')),
});

await runService({
  name: 'web',
  config: webConfig,
  async build({ config, telemetry, faults }) {
    telemetry.addReadinessCheck({
      name: 'gateway',
      check: async (signal) => {
        const response = await fetch(`${config.GATEWAY_URL}/healthz`, { signal });
        if (!response.ok) throw new Error(`gateway /healthz answered ${response.status}`);
      },
    });
    return buildWebServer({
      distDir: config.WEB_DIST_DIR,
      gatewayUrl: config.GATEWAY_URL,
      browserConfig: {
        faroUrl: config.FARO_COLLECTOR_URL,
        environment: telemetry.config.environment,
        version: telemetry.config.serviceVersion,
      },
      faults,
      telemetry,
      adminToken: config.ADMIN_TOKEN,
    });
  },
});
