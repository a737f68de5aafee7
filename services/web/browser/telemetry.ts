import type { Faro } from '@grafana/faro-web-sdk';
import { getWebInstrumentations, initializeFaro } from '@grafana/faro-web-sdk';
import { TracingInstrumentation } from '@grafana/faro-web-tracing';

export interface WebConfig {
  /** Faro collector (Alloy's faro.receiver) URL; empty means traces are made but not sent. */
  faroUrl: string;
  environment: string;
  version: string;
}

declare global {
  interface Window {
    __WEB_CONFIG__?: Partial<WebConfig>;
  }
}

export function webConfig(): WebConfig {
  const config = window.__WEB_CONFIG__ ?? {};
  return {
    faroUrl: config.faroUrl ?? '',
    environment: config.environment ?? 'development',
    version: config.version ?? 'dev',
  };
}

/**
 * Faro with web tracing: page loads, errors and web vitals go to the collector, and every fetch
 * gets a span whose context travels to the API as `traceparent` (same origin: /api is proxied by
 * the web server), so a browser span and the gateway's span share one trace.
 */
export function startFaro(config: WebConfig): Faro {
  return initializeFaro({
    url: config.faroUrl || undefined,
    ...(config.faroUrl ? {} : { transports: [] }),
    app: { name: 'web', version: config.version, environment: config.environment },
    instrumentations: [...getWebInstrumentations({ captureConsole: false }), new TracingInstrumentation()],
    // Nothing typed into forms is sent: Faro sees URLs, timings, errors and spans only.
    sessionTracking: { enabled: true },
  });
}
