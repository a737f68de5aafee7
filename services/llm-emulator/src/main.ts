// Started as `node --import @telemetry-kit/telemetry/register src/main.ts` (see package.json and the
// Dockerfile), so the instrumentation is in place before anything below is imported.
import { FaultInjector, faultsFromEnv, serve } from '@telemetry-kit/service-kit';
import { startTelemetry } from '@telemetry-kit/telemetry';
import { buildEmulatorApp } from './app.ts';
import { loadConfig } from './config.ts';

const telemetry = startTelemetry({ serviceName: 'llm-emulator' });
const config = loadConfig();
const app = buildEmulatorApp({ config, telemetry, faults: new FaultInjector(faultsFromEnv()) });
await serve(app, telemetry, { port: config.port });
telemetry.logger.info(
  { models: config.models, latency: config.latency, error_rate: config.errorRate },
  'llm-emulator ready',
);
