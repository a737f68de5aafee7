// `node --import @telemetry-kit/telemetry/register main.js`. The SDK's own modules load first, before
// the loader hook exists (so they do not pay for it); then the hook, then the SDK starts — every
// module the service imports afterwards (http, pg, pino) is instrumented.

import { sdkDisabledByEnv } from './config.ts';
import { registerInstrumentationHooks } from './hooks.ts';
import { startTelemetry } from './telemetry.ts';

// With the SDK disabled nothing is instrumented, so no module needs the hook's wrapping.
if (!sdkDisabledByEnv()) registerInstrumentationHooks();
await startTelemetry().ready;
