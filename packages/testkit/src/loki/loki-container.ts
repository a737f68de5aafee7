import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { ConfigSource } from '../config-source.ts';
import { configSource, copyConfig, hostUrl } from '../config-source.ts';
import { resolveImage } from '../images.ts';

export const LOKI_PORT = 3100;
const CONFIG_PATH = '/etc/loki/loki.yaml';

/**
 * Loki, from LOKI_IMAGE in images.env. Without `withConfig` it runs the image's own
 * /etc/loki/local-config.yaml; LgtmStack gives it compose/loki/loki.yaml.
 */
export class LokiContainer extends GenericContainer {
  private config: ConfigSource | undefined;

  constructor(image = resolveImage('LOKI_IMAGE')) {
    super(image);
    this.withExposedPorts(LOKI_PORT)
      // compose's loki.yaml keeps everything under /loki; a test keeps nothing, so memory will do.
      .withTmpFs({ '/loki': 'rw,mode=1777' })
      // /ready answers 200 once the ingester has joined its ring (Loki's own readiness).
      .withWaitStrategy(Wait.forHttp('/ready', LOKI_PORT).forStatusCode(200))
      .withStartupTimeout(120_000);
  }

  withConfig(source: ConfigSource | string): this {
    this.config = configSource(source);
    return this;
  }

  override async start(): Promise<StartedLokiContainer> {
    if (this.config) {
      copyConfig(this, this.config, CONFIG_PATH, 'Loki configuration');
      this.withCommand([`-config.file=${CONFIG_PATH}`]);
    }
    return new StartedLokiContainer(await super.start());
  }
}

export class StartedLokiContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  get url(): string {
    return hostUrl(this, LOKI_PORT);
  }

  /** The push endpoint (POST /loki/api/v1/push). */
  get pushUrl(): string {
    return `${this.url}/loki/api/v1/push`;
  }
}
