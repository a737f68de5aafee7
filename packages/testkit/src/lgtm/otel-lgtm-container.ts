import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { LogBackend, MetricBackend, TraceBackend } from '../assert/backend.ts';
import { stackBackend } from '../assert/stack-backends.ts';
import { hostUrl } from '../config-source.ts';
import { resolveImage } from '../images.ts';

// The ports the grafana/otel-lgtm image's components listen on.
const PORTS = {
  grafana: 3000,
  otlpGrpc: 4317,
  otlpHttp: 4318,
  prometheus: 9090,
  loki: 3100,
  tempo: 3200,
} as const;

/**
 * The light option: grafana/otel-lgtm (OTEL_LGTM_IMAGE in images.env), one container with an
 * OpenTelemetry Collector, Prometheus, Loki, Tempo and Grafana. It does not use the kit's own
 * configuration files (LgtmStack does); it answers the same backend API for assertions.
 */
export class OtelLgtmContainer extends GenericContainer {
  constructor(image = resolveImage('OTEL_LGTM_IMAGE')) {
    super(image);
    this.withExposedPorts(...Object.values(PORTS))
      // The image's start script polls every component and prints this line once all are ready.
      .withWaitStrategy(
        Wait.forLogMessage(/The OpenTelemetry collector and the Grafana LGTM stack are up and running/),
      )
      .withStartupTimeout(180_000);
  }

  override async start(): Promise<StartedOtelLgtmContainer> {
    return new StartedOtelLgtmContainer(await super.start());
  }
}

export class StartedOtelLgtmContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  get grafanaUrl(): string {
    return hostUrl(this, PORTS.grafana);
  }

  /** OTLP/HTTP base URL for exporters (OTEL_EXPORTER_OTLP_ENDPOINT). */
  get otlpHttpUrl(): string {
    return hostUrl(this, PORTS.otlpHttp);
  }

  get otlpGrpcUrl(): string {
    return hostUrl(this, PORTS.otlpGrpc);
  }

  get prometheusUrl(): string {
    return hostUrl(this, PORTS.prometheus);
  }

  get lokiUrl(): string {
    return hostUrl(this, PORTS.loki);
  }

  get tempoUrl(): string {
    return hostUrl(this, PORTS.tempo);
  }

  /** Tempo, Loki and Prometheus inside the image as one backend for expectTrace/expectLog/expectMetric. */
  backend(): TraceBackend & LogBackend & MetricBackend {
    return stackBackend({ tempo: this.tempoUrl, loki: this.lokiUrl, prometheus: this.prometheusUrl });
  }
}
