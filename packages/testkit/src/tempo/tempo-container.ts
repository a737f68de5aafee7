import path from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { ConfigSource } from '../config-source.ts';
import { COMPOSE_DIR, configSource, copyConfig, hostUrl } from '../config-source.ts';
import { resolveImage } from '../images.ts';

export const TEMPO_HTTP_PORT = 3200;
export const TEMPO_OTLP_GRPC_PORT = 4317;
export const TEMPO_OTLP_HTTP_PORT = 4318;
const CONFIG_PATH = '/etc/tempo/tempo.yaml';

/**
 * Tempo, from TEMPO_IMAGE in images.env. The image ships no configuration, so it runs
 * compose/tempo/tempo.yaml unless given another (whose HTTP port must be 3200 and OTLP receivers
 * 0.0.0.0:4317/4318, as compose's are).
 */
export class TempoContainer extends GenericContainer {
  private config: ConfigSource = { path: path.join(COMPOSE_DIR, 'tempo', 'tempo.yaml') };

  constructor(image = resolveImage('TEMPO_IMAGE')) {
    super(image);
    this.withExposedPorts(TEMPO_HTTP_PORT, TEMPO_OTLP_GRPC_PORT, TEMPO_OTLP_HTTP_PORT)
      // Tempo runs as uid 10001 and writes under /var/tempo (compose's tempo.yaml); a tmpfs anyone
      // may write is what compose's tempo-init achieves for its volume, and a test keeps nothing.
      .withTmpFs({ '/var/tempo': 'rw,mode=1777' })
      .withWaitStrategy(Wait.forHttp('/ready', TEMPO_HTTP_PORT).forStatusCode(200))
      .withStartupTimeout(120_000);
  }

  withConfig(source: ConfigSource | string): this {
    this.config = configSource(source);
    return this;
  }

  override async start(): Promise<StartedTempoContainer> {
    copyConfig(this, this.config, CONFIG_PATH, 'Tempo configuration');
    this.withCommand([`-config.file=${CONFIG_PATH}`]);
    return new StartedTempoContainer(await super.start());
  }
}

export class StartedTempoContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  /** The query API (/api/traces/<id>, /api/search). */
  get url(): string {
    return hostUrl(this, TEMPO_HTTP_PORT);
  }

  /** OTLP/HTTP base URL: an exporter posts to `${otlpHttpUrl}/v1/traces`. */
  get otlpHttpUrl(): string {
    return hostUrl(this, TEMPO_OTLP_HTTP_PORT);
  }

  get otlpGrpcUrl(): string {
    return hostUrl(this, TEMPO_OTLP_GRPC_PORT);
  }
}
