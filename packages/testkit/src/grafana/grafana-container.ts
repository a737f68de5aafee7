import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { ConfigSource } from '../config-source.ts';
import { copyConfig, hostUrl } from '../config-source.ts';
import { resolveImage } from '../images.ts';

export const GRAFANA_PORT = 3000;
const PROVISIONING_PATH = '/etc/grafana/provisioning';

/** The environment compose gives Grafana: no downloads at start, no calls home, anonymous viewers. */
export const GRAFANA_TEST_ENVIRONMENT: Record<string, string> = {
  GF_AUTH_ANONYMOUS_ENABLED: 'true',
  GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
  GF_PLUGINS_PREINSTALL_DISABLED: 'true',
  GF_ANALYTICS_REPORTING_ENABLED: 'false',
  GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
  GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
  GF_NEWS_NEWS_FEED_ENABLED: 'false',
};

/**
 * Grafana, from GRAFANA_IMAGE in images.env, with a provisioning folder (datasources, dashboards)
 * copied to /etc/grafana/provisioning; LgtmStack gives it compose/grafana/provisioning.
 */
export class GrafanaContainer extends GenericContainer {
  private provisioning: ConfigSource | undefined;
  private readonly adminUser = 'admin';
  private adminPassword = 'testkit-admin';

  constructor(image = resolveImage('GRAFANA_IMAGE')) {
    super(image);
    this.withExposedPorts(GRAFANA_PORT)
      .withEnvironment(GRAFANA_TEST_ENVIRONMENT)
      // /api/health answers 200 once the database is migrated and the HTTP server is up.
      .withWaitStrategy(Wait.forHttp('/api/health', GRAFANA_PORT).forStatusCode(200))
      .withStartupTimeout(120_000);
  }

  /** A provisioning folder (with datasources/ and dashboards/), as compose mounts it. */
  withProvisioning(source: ConfigSource): this {
    this.provisioning = source;
    return this;
  }

  withAdminPassword(password: string): this {
    this.adminPassword = password;
    return this;
  }

  override async start(): Promise<StartedGrafanaContainer> {
    if (this.provisioning) copyConfig(this, this.provisioning, PROVISIONING_PATH, 'Grafana provisioning');
    this.withEnvironment({
      GF_SECURITY_ADMIN_USER: this.adminUser,
      GF_SECURITY_ADMIN_PASSWORD: this.adminPassword,
    });
    return new StartedGrafanaContainer(await super.start(), this.adminUser, this.adminPassword);
  }
}

export class StartedGrafanaContainer extends AbstractStartedContainer {
  readonly adminUser: string;
  readonly adminPassword: string;

  constructor(started: StartedTestContainer, adminUser: string, adminPassword: string) {
    super(started);
    this.adminUser = adminUser;
    this.adminPassword = adminPassword;
  }

  get url(): string {
    return hostUrl(this, GRAFANA_PORT);
  }

  /** GET on Grafana's HTTP API as the admin, e.g. `api('/api/datasources')`. */
  async api<T>(apiPath: string): Promise<T> {
    const auth = Buffer.from(`${this.adminUser}:${this.adminPassword}`).toString('base64');
    const response = await fetch(`${this.url}${apiPath}`, { headers: { authorization: `Basic ${auth}` } });
    if (!response.ok) throw new Error(`GET ${apiPath} on Grafana answered ${response.status}`);
    return (await response.json()) as T;
  }
}
