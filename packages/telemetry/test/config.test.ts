import { describe, expect, it } from 'vitest';
import { parseResourceAttributes, pseudonymize, resolveConfig } from '../src/config.ts';

describe('resolveConfig', () => {
  it('takes the service name from OTEL_SERVICE_NAME and the version from SERVICE_VERSION / GIT_SHA', () => {
    const config = resolveConfig({}, { OTEL_SERVICE_NAME: 'gateway', GIT_SHA: '3f2a9c1' });
    expect(config).toMatchObject({ serviceName: 'gateway', serviceVersion: '3f2a9c1' });
    expect(resolveConfig({}, { SERVICE_VERSION: 'v1', GIT_SHA: 'x' }).serviceVersion).toBe('v1');
  });

  it('falls back to OTEL_RESOURCE_ATTRIBUTES for name, version and environment', () => {
    const config = resolveConfig(
      {},
      {
        OTEL_RESOURCE_ATTRIBUTES:
          'service.name=rituals,service.version=abc,deployment.environment.name=staging',
      },
    );
    expect(config).toMatchObject({ serviceName: 'rituals', serviceVersion: 'abc', environment: 'staging' });
  });

  it('uses parent-based ratio sampling from OTEL_TRACES_SAMPLER_ARG unless a sampler is named', () => {
    expect(resolveConfig({}, {}).sampleRatio).toBe(1);
    expect(resolveConfig({}, { OTEL_TRACES_SAMPLER_ARG: '0.25' }).sampleRatio).toBe(0.25);
    expect(resolveConfig({}, { OTEL_TRACES_SAMPLER: 'always_off' }).sampleRatio).toBeUndefined();
    expect(() => resolveConfig({}, { OTEL_TRACES_SAMPLER_ARG: '3' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });

  it('accepts LOG_LEVEL case-insensitively and rejects unknown levels with the list', () => {
    expect(resolveConfig({}, { LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
    expect(() => resolveConfig({}, { LOG_LEVEL: 'verbose' })).toThrow(/error, warn, info, debug/);
  });

  it('decodes percent-encoded resource attribute values', () => {
    expect(parseResourceAttributes('a=b%2Cc,team=core')).toEqual({ a: 'b,c', team: 'core' });
  });
});

describe('pseudonymize', () => {
  it('is stable under one key, differs across keys, and does not contain the id', () => {
    const key = Buffer.from('k1');
    expect(pseudonymize('user-42', key)).toBe(pseudonymize('user-42', key));
    expect(pseudonymize('user-42', key)).not.toBe(pseudonymize('user-42', Buffer.from('k2')));
    expect(pseudonymize('user-42', key)).not.toContain('42');
  });
});

describe('OTEL_SDK_DISABLED', () => {
  it('is read with the rest of the environment: only "true" (any case, trimmed) disables', () => {
    expect(resolveConfig({}, {}).sdkDisabled).toBe(false);
    expect(resolveConfig({}, { OTEL_SDK_DISABLED: ' TRUE ' }).sdkDisabled).toBe(true);
    expect(resolveConfig({}, { OTEL_SDK_DISABLED: 'false' }).sdkDisabled).toBe(false);
    expect(resolveConfig({}, { OTEL_SDK_DISABLED: '1' }).sdkDisabled).toBe(false);
  });
});

describe('TELEMETRY_HTTP_SERVER', () => {
  it('defaults to the handler, reads TELEMETRY_HTTP_SERVER, and refuses unknown modes with the list', () => {
    expect(resolveConfig({}, {}).httpServer).toBe('handler');
    expect(resolveConfig({}, { TELEMETRY_HTTP_SERVER: ' Instrumentation ' }).httpServer).toBe(
      'instrumentation',
    );
    expect(
      resolveConfig({ httpServer: 'handler' }, { TELEMETRY_HTTP_SERVER: 'instrumentation' }).httpServer,
    ).toBe('handler');
    expect(() => resolveConfig({}, { TELEMETRY_HTTP_SERVER: 'both' })).toThrow(
      /TELEMETRY_HTTP_SERVER="both" is not a mode — use handler or instrumentation/,
    );
  });
});
