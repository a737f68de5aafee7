// The package's runtime surface is the façade: what services, the service kit and the consumer test
// use (startTelemetry, getTelemetry, setHttpRoute). The parts behind it are reachable only inside.
import { describe, expect, it } from 'vitest';
import * as kit from '../src/index.ts';

describe('@telemetry-kit/telemetry exports', () => {
  it('the façade: startTelemetry, getTelemetry and setHttpRoute', () => {
    expect(Object.keys(kit)).toEqual(
      expect.arrayContaining(['getTelemetry', 'setHttpRoute', 'startTelemetry']),
    );
  });

  it('none of the internals the façade assembles', () => {
    const internals = [
      'ErrorTracker',
      'Health',
      'createLogger',
      'resolveConfig',
      'redact',
      'wrapHandler',
      'boundedCounter',
      'telemetryViews',
      'RedactingSpanExporter',
      'registerInstrumentationHooks',
      'assembleSdk',
      'processLifecycle',
      'routeDiagnostics',
    ];
    expect(Object.keys(kit).filter((name) => internals.includes(name))).toEqual([]);
  });
});
