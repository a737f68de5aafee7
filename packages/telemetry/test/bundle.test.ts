// The bundle in dist/ is what services load (`--import @telemetry-kit/telemetry/register`): it must be
// built from the current sources, and the register and index entry points must share one instance.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SOURCE_HASH_FILE, sourceHash } from '../build.ts';

const run = promisify(execFile);
const PACKAGE_ROOT = new URL('..', import.meta.url).pathname;

describe('packages/telemetry/dist', () => {
  it('was built from the current sources (scripts/toolchain.sh rebuilds it when they change)', async () => {
    const built = await readFile(SOURCE_HASH_FILE, 'utf8').catch(() => 'absent');
    expect(built.trim()).toBe(await sourceHash());
  });

  it('starts the SDK from the bundle and hands the service the same instance', async () => {
    const probe = `
      const kit = await import('@telemetry-kit/telemetry');
      const t = kit.getTelemetry();
      console.log(JSON.stringify({
        resolved: import.meta.resolve('@telemetry-kit/telemetry/register'),
        started: t !== undefined,
        service: t?.config.serviceName,
        tracer: typeof t?.tracer.startSpan,
      }));`;
    const { stdout } = await run(
      process.execPath,
      ['--import', '@telemetry-kit/telemetry/register', '--input-type=module', '-e', probe],
      {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, OTEL_SERVICE_NAME: 'bundle-probe', OTEL_SDK_DISABLED: 'true' },
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(result).toEqual({
      resolved: expect.stringMatching(/\/packages\/telemetry\/dist\/register\.mjs$/),
      started: true,
      service: 'bundle-probe',
      tracer: 'function',
    });
  });
});
