// OTEL_SDK_DISABLED=true: nothing instrumented (no patched node:http, no undici channel subscription,
// no recorded span), while logs and /metrics keep working. The same probe without the variable is the
// control: it shows the probe sees instrumentation when there is some.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE_ROOT = new URL('..', import.meta.url).pathname;

const PROBE = `
  const { channel } = await import('node:diagnostics_channel');
  const http = await import('node:http');
  const t = (await import('@telemetry-kit/telemetry')).getTelemetry();
  const span = t.tracer.startSpan('probe');
  console.log(JSON.stringify({
    httpPatched: typeof http.request.__wrapped !== 'undefined',
    undiciSubscribed: channel('undici:request:create').hasSubscribers,
    spanRecording: span.isRecording(),
    metrics: (await t.metricsText()).includes('telemetry_export_dropped_total'),
  }));
  span.end();`;

async function probe(env: Record<string, string>): Promise<Record<string, boolean>> {
  const { stdout } = await run(
    process.execPath,
    ['--import', '@telemetry-kit/telemetry/register', '--input-type=module', '-e', PROBE],
    { cwd: PACKAGE_ROOT, env: { ...process.env, OTEL_SERVICE_NAME: 'sdk-disabled-probe', ...env } },
  );
  // The probe's own line: log lines (an export to the absent default collector failing, say) may follow it.
  const line = stdout.split('\n').find((l) => l.includes('"httpPatched"'));
  return JSON.parse(line ?? '{}');
}

describe('OTEL_SDK_DISABLED', () => {
  it('leaves node:http and undici alone and records no span; metrics stay', async () => {
    expect(await probe({ OTEL_SDK_DISABLED: 'true' })).toEqual({
      httpPatched: false,
      undiciSubscribed: false,
      spanRecording: false,
      metrics: true,
    });
  });

  it('control: without it, node:http is patched, undici is subscribed and spans record', async () => {
    expect(await probe({ OTEL_SDK_DISABLED: 'false' })).toEqual({
      httpPatched: true,
      undiciSubscribed: true,
      spanRecording: true,
      metrics: true,
    });
  });
});
