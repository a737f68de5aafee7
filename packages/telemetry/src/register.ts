// `node --import @telemetry-kit/telemetry/register main.js`: the loader hook first, then the SDK, so
// every module the service imports afterwards (http, pg, pino) is instrumented.
import { registerInstrumentationHooks } from './hooks.ts';

registerInstrumentationHooks();
const { startTelemetry } = await import('./sdk.ts');
startTelemetry();
