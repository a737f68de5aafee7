import { existsSync } from 'node:fs';
import path from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { ConfigSource } from '../config-source.ts';
import { COMPOSE_DIR, configSource, copyConfig, hostUrl } from '../config-source.ts';
import { resolveImage } from '../images.ts';

export const ALLOY_HTTP_PORT = 12345;
export const ALLOY_OTLP_GRPC_PORT = 4317;
export const ALLOY_OTLP_HTTP_PORT = 4318;
export const ALLOY_FARO_PORT = 12347;
const CONFIG_PATH = '/etc/alloy/config.alloy';
const DOCKER_SOCKET = '/var/run/docker.sock';
/** The web app's origins as compose gives them (WEB_PORT 3000): by name and by address. */
/**
 * The compose project the testkit's containers are labelled with (ServiceContainer#withComposeLabels)
 * and whose logs its Alloy collects: another than the dev stack's, so neither touches the other's.
 */
export const TESTKIT_PROJECT = 'telemetry-kit-testkit';

export const DEFAULT_WEB_ORIGINS = ['http://localhost:3000', 'http://127.0.0.1:3000'] as const;

/**
 * Grafana Alloy, from ALLOY_IMAGE in images.env, run as compose runs it; by default with
 * compose/alloy/config.alloy (OTLP on 4317/4318, Faro on 12347, container logs from Docker).
 */
export class AlloyContainer extends GenericContainer {
  private config: ConfigSource = { path: path.join(COMPOSE_DIR, 'alloy', 'config.alloy') };
  private dockerSocket = false;

  constructor(image = resolveImage('ALLOY_IMAGE')) {
    super(image);
    this.withExposedPorts(ALLOY_HTTP_PORT, ALLOY_OTLP_GRPC_PORT, ALLOY_OTLP_HTTP_PORT, ALLOY_FARO_PORT)
      .withWebOrigins(...DEFAULT_WEB_ORIGINS)
      // config.alloy collects the logs of this compose project's containers: the testkit's own.
      .withEnvironment({ LOGS_PROJECT: TESTKIT_PROJECT })
      .withWaitStrategy(Wait.forHttp('/-/ready', ALLOY_HTTP_PORT).forStatusCode(200))
      .withStartupTimeout(120_000);
  }

  /**
   * The browser origins the Faro receiver accepts (CORS), as config.alloy reads them from WEB_ORIGINS;
   * by default the web app's, by name and by address. Without one, every browser event is refused.
   */
  withWebOrigins(...origins: string[]): this {
    if (origins.length === 0)
      throw new Error('withWebOrigins needs at least one origin, e.g. http://localhost:3000');
    for (const origin of origins) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (parsed?.origin !== origin) {
        throw new Error(
          `"${origin}" is not a browser origin — give scheme, host and port only, e.g. http://localhost:3000`,
        );
      }
    }
    return this.withEnvironment({ WEB_ORIGINS: origins.join(',') });
  }

  withConfig(source: ConfigSource | string): this {
    this.config = configSource(source);
    return this;
  }

  /** Mounts the Docker socket read-only, for a configuration that collects container logs. */
  withDockerSocket(socket = DOCKER_SOCKET): this {
    if (!existsSync(socket))
      throw new Error(`no Docker socket at ${socket} for Alloy's container log discovery`);
    this.withBindMounts([{ source: socket, target: DOCKER_SOCKET, mode: 'ro' }]);
    this.dockerSocket = true;
    return this;
  }

  override async start(): Promise<StartedAlloyContainer> {
    copyConfig(this, this.config, CONFIG_PATH, 'Alloy configuration');
    this.withCommand([
      'run',
      `--server.http.listen-addr=0.0.0.0:${ALLOY_HTTP_PORT}`,
      '--storage.path=/var/lib/alloy/data',
      '--disable-reporting',
      CONFIG_PATH,
    ]);
    return new StartedAlloyContainer(await super.start(), this.dockerSocket);
  }
}

export class StartedAlloyContainer extends AbstractStartedContainer {
  readonly collectsContainerLogs: boolean;

  constructor(started: StartedTestContainer, collectsContainerLogs: boolean) {
    super(started);
    this.collectsContainerLogs = collectsContainerLogs;
  }

  /** The UI and /-/ready. */
  get url(): string {
    return hostUrl(this, ALLOY_HTTP_PORT);
  }

  /** OTLP/HTTP base URL for exporters (OTEL_EXPORTER_OTLP_ENDPOINT). */
  get otlpHttpUrl(): string {
    return hostUrl(this, ALLOY_OTLP_HTTP_PORT);
  }

  get otlpGrpcUrl(): string {
    return hostUrl(this, ALLOY_OTLP_GRPC_PORT);
  }

  get faroUrl(): string {
    return `${hostUrl(this, ALLOY_FARO_PORT)}/collect`;
  }
}
