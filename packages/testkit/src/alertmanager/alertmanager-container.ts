import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { ConfigSource } from '../config-source.ts';
import { configSource, copyConfig, hostUrl } from '../config-source.ts';
import { resolveImage } from '../images.ts';

export const ALERTMANAGER_PORT = 9093;
const CONFIG_PATH = '/etc/alertmanager/alertmanager.yml';

/** An alert to post to Alertmanager's v2 API, as Prometheus would. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/**
 * Alertmanager, from ALERTMANAGER_IMAGE in images.env. Without `withConfig` it runs the image's own
 * configuration; LgtmStack gives it compose/alertmanager/alertmanager.yml.
 */
export class AlertmanagerContainer extends GenericContainer {
  private config: ConfigSource | undefined;

  constructor(image = resolveImage('ALERTMANAGER_IMAGE')) {
    super(image);
    this.withExposedPorts(ALERTMANAGER_PORT)
      .withWaitStrategy(Wait.forHttp('/-/ready', ALERTMANAGER_PORT).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  /** alertmanager.yml: a path on the host, `{ content }`, or the YAML as a string. */
  withConfig(source: ConfigSource | string): this {
    this.config = configSource(source);
    return this;
  }

  override async start(): Promise<StartedAlertmanagerContainer> {
    if (this.config) copyConfig(this, this.config, CONFIG_PATH, 'Alertmanager configuration');
    this.withCommand([`--config.file=${CONFIG_PATH}`, '--storage.path=/alertmanager']);
    return new StartedAlertmanagerContainer(await super.start());
  }
}

export class StartedAlertmanagerContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  /** Base URL of the API and UI, reachable from the test process. */
  get url(): string {
    return hostUrl(this, ALERTMANAGER_PORT);
  }

  /** Posts alerts as Prometheus does (POST /api/v2/alerts): handy to test routing and expectAlert. */
  async postAlerts(alerts: PostableAlert[]): Promise<void> {
    const response = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    if (!response.ok)
      throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
  }

  /** Silences alerts whose labels equal `labels` for `minutes`; returns the silence id. */
  async silence(labels: Record<string, string>, minutes = 60, comment = 'testkit'): Promise<string> {
    const now = Date.now();
    const response = await fetch(`${this.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: Object.entries(labels).map(([name, value]) => ({
          name,
          value,
          isRegex: false,
          isEqual: true,
        })),
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + minutes * 60_000).toISOString(),
        createdBy: 'testkit',
        comment,
      }),
    });
    if (!response.ok)
      throw new Error(`Alertmanager refused the silence: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { silenceID: string }).silenceID;
  }
}
