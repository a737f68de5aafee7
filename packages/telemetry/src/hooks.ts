import { register as registerAsync } from 'node:module';
import { register as registerSync, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

/**
 * The ESM loader hook OTel instrumentations need to patch `import`ed modules. Only the modules our
 * instrumentations patch are wrapped (wrapping everything costs start-up time and breaks some packages).
 */
export const HOOKED_MODULES = ['http', 'https', 'node:http', 'node:https', 'pg', 'pg-pool', 'pino'];

let registered = false;

export function registerInstrumentationHooks(): void {
  if (registered) return;
  registered = true;
  if (supportsSyncHooks()) {
    registerSync({ include: HOOKED_MODULES });
  } else {
    registerAsync('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: HOOKED_MODULES },
    });
  }
}
