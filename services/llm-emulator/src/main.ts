// Started as `node --import @telemetry-kit/telemetry/register src/main.ts` (see package.json and the
// Dockerfile), so the instrumentation is in place before anything below is imported.
import { runService } from '@telemetry-kit/service-kit';
import { buildEmulatorApp } from './app.ts';
import { emulatorConfig } from './config.ts';

const { config, telemetry } = await runService({
  name: 'llm-emulator',
  config: emulatorConfig,
  build: ({ config, telemetry, faults }) => buildEmulatorApp({ config, telemetry, faults }),
});
telemetry.logger.info(
  { models: config.models, latency: config.latency, error_rate: config.errorRate },
  'llm-emulator ready',
);
