import { existsSync } from 'node:fs';
import path from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import { TESTKIT_PROJECT } from '../alloy/alloy-container.ts';
import { hostUrl, REPO_ROOT } from '../config-source.ts';
import { buildImageOnce } from '../image-build.ts';
import { serviceBuildInputs, serviceImageRecipe } from './workspace.ts';

export const SERVICE_PORT = 8080;

export interface FromWorkspaceOptions {
  /** The workspace root, which is the build context (default: this repository). */
  root?: string;
  /** The readiness path the wait polls (default /readyz, which every kit service answers). */
  readyPath?: string;
  /** Baked in as SERVICE_VERSION (service.version, the OCI revision label) where the Dockerfile takes it. */
  version?: string;
}

/**
 * A service of the workspace, as an image built from services/<name>/Dockerfile, or the shared
 * services/Dockerfile at the service's stage (serviceImageRecipe), with the workspace root as context (services import workspace packages). The image is built once per run and named
 * by a content hash of its inputs, so an unchanged service is not rebuilt across runs either.
 * The container listens on 8080, is reachable on the network by its service name, and counts as
 * started when its readiness path answers 200 — no image HEALTHCHECK interval is waited out.
 */
export class ServiceContainer extends GenericContainer {
  readonly service: string;
  /** The built image's tag, `telemetry-kit/<service>:<content hash>`. */
  readonly image: string;

  private constructor(image: string, service: string, readyPath: string) {
    super(image);
    this.service = service;
    this.image = image;
    this.withExposedPorts(SERVICE_PORT)
      .withNetworkAliases(service)
      .withEnvironment({ PORT: String(SERVICE_PORT), OTEL_SERVICE_NAME: service })
      .withWaitStrategy(Wait.forHttp(readyPath, SERVICE_PORT).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  /** Builds (or reuses) the service's image; configure the container further before `start()`. */
  static async fromWorkspace(service: string, options: FromWorkspaceOptions = {}): Promise<ServiceContainer> {
    const root = options.root ?? REPO_ROOT;
    const inputs = serviceBuildInputs(root, service);
    if (!existsSync(path.join(root, '.dockerignore'))) {
      // Without it the legacy builder sends node_modules and .git as build context.
      process.stderr.write(
        `testkit: ${path.join(root, '.dockerignore')} is missing — the build context will include node_modules; add one\n`,
      );
    }
    const recipe = serviceImageRecipe(root, service);
    const image = await buildImageOnce({
      name: service,
      context: root,
      inputs,
      ...recipe,
      buildArgs: { ...recipe.buildArgs, ...(options.version ? { SERVICE_VERSION: options.version } : {}) },
    });
    return new ServiceContainer(image, service, options.readyPath ?? '/readyz');
  }

  /** Sends the service's OTLP exports to this base URL (an Alloy or Tempo on the same network). */
  withOtlpEndpoint(url: string, protocol: 'http/protobuf' | 'http/json' = 'http/protobuf'): this {
    return this.withEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
  }

  /**
   * Labels the container as compose labels a service, under the testkit's own project (not the dev
   * stack's: `npm run dev:down` never removes it), which the testkit's Alloy collects the stdout of.
   */
  withComposeLabels(project = TESTKIT_PROJECT): this {
    return this.withLabels({
      'com.docker.compose.project': project,
      'com.docker.compose.service': this.service,
    });
  }

  /**
   * Sends the service's OTLP exports to a TelemetrySink in the test process. The sink must listen
   * where containers reach it (`TelemetrySink.start({ host: '0.0.0.0' })`); the container finds the
   * host as host.docker.internal through Docker's host-gateway.
   */
  withTelemetrySink(sink: { port: number }, protocol: 'http/protobuf' | 'http/json' = 'http/protobuf'): this {
    return this.withExtraHosts([
      { host: 'host.docker.internal', ipAddress: 'host-gateway' },
    ]).withOtlpEndpoint(`http://host.docker.internal:${sink.port}`, protocol);
  }

  override async start(): Promise<StartedServiceContainer> {
    return new StartedServiceContainer(await super.start(), this.service);
  }
}

export class StartedServiceContainer extends AbstractStartedContainer {
  readonly service: string;

  constructor(started: StartedTestContainer, service: string) {
    super(started);
    this.service = service;
  }

  /** Base URL of the service, reachable from the test process. */
  get url(): string {
    return hostUrl(this, SERVICE_PORT);
  }

  /** The Prometheus page, for expectMetric(metricsPageBackend(service.metricsUrl), …). */
  get metricsUrl(): string {
    return `${this.url}/metrics`;
  }

  /** host:port on the container network, for a Prometheus scrape target. */
  get networkTarget(): string {
    return `${this.service}:${SERVICE_PORT}`;
  }
}
