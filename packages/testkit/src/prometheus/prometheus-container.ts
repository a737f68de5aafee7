import type { StartedTestContainer } from 'testcontainers';
import { AbstractStartedContainer, GenericContainer, Wait } from 'testcontainers';
import type { ConfigSource } from '../config-source.ts';
import { configSource, copyConfig, hostUrl } from '../config-source.ts';
import { resolveImage } from '../images.ts';

const PROMETHEUS_PORT = 9090;
const CONFIG_PATH = '/etc/prometheus/prometheus.yml';
/** Where compose mounts the rule files and file_sd targets; prometheus.yml refers to these paths. */
const RULES_PATH = '/etc/prometheus/rules';
const TARGETS_PATH = '/etc/prometheus/targets';

export interface ScrapeTarget {
  job: string;
  /** host:port as seen from inside the container network. */
  target: string;
  metricsPath?: string;
}

/** A sample of an instant vector from Prometheus' HTTP API. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/**
 * Prometheus, from PROMETHEUS_IMAGE in images.env. Either give it a whole configuration file
 * (`withConfig`), the one compose uses for instance, or let it generate one from scrape targets.
 */
export class PrometheusContainer extends GenericContainer {
  private config: ConfigSource | undefined;
  private rules: ConfigSource | undefined;
  private fileTargets: ConfigSource | undefined;
  private readonly targets: ScrapeTarget[] = [];
  private scrapeInterval = '1s';
  private readonly extraFlags: string[] = [];

  constructor(image = resolveImage('PROMETHEUS_IMAGE')) {
    super(image);
    this.withExposedPorts(PROMETHEUS_PORT)
      .withWaitStrategy(Wait.forHttp('/-/ready', PROMETHEUS_PORT).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  /**
   * Uses this prometheus.yml verbatim (a path on the host, `{ content }`, or the YAML as a string);
   * scrape targets added with withScrapeTarget are then ignored.
   */
  withConfig(source: ConfigSource | string): this {
    this.config = configSource(source);
    return this;
  }

  /** A rule file or folder of them, copied to /etc/prometheus/rules (as compose mounts it). */
  withRules(source: ConfigSource): this {
    this.rules = source;
    return this;
  }

  /** A folder of file_sd target files, copied to /etc/prometheus/targets (as compose mounts it). */
  withFileTargets(source: ConfigSource): this {
    this.fileTargets = source;
    return this;
  }

  withScrapeTarget(target: ScrapeTarget): this {
    this.targets.push(target);
    return this;
  }

  withScrapeInterval(interval: string): this {
    this.scrapeInterval = interval;
    return this;
  }

  /** Extra command-line flags, e.g. `--web.enable-remote-write-receiver`. */
  withFlags(...flags: string[]): this {
    this.extraFlags.push(...flags);
    return this;
  }

  private generatedConfig(): string {
    const jobs = this.targets.map(
      (t) =>
        `  - job_name: ${JSON.stringify(t.job)}\n` +
        `    metrics_path: ${JSON.stringify(t.metricsPath ?? '/metrics')}\n` +
        `    static_configs:\n      - targets: [${JSON.stringify(t.target)}]\n`,
    );
    return [
      'global:',
      `  scrape_interval: ${this.scrapeInterval}`,
      `  evaluation_interval: ${this.scrapeInterval}`,
      'scrape_configs:',
      ...jobs,
    ].join('\n');
  }

  override async start(): Promise<StartedPrometheusContainer> {
    copyConfig(
      this,
      this.config ?? { content: this.generatedConfig() },
      CONFIG_PATH,
      'Prometheus configuration',
    );
    if (this.rules) copyConfig(this, this.rules, RULES_PATH, 'Prometheus rules');
    if (this.fileTargets) copyConfig(this, this.fileTargets, TARGETS_PATH, 'Prometheus file_sd targets');
    this.withCommand([
      `--config.file=${CONFIG_PATH}`,
      '--storage.tsdb.path=/prometheus',
      '--web.enable-lifecycle',
      ...this.extraFlags,
    ]);
    return new StartedPrometheusContainer(await super.start());
  }
}

export class StartedPrometheusContainer extends AbstractStartedContainer {
  constructor(started: StartedTestContainer) {
    super(started);
  }

  /** Base URL of the HTTP API and UI, reachable from the test process. */
  get url(): string {
    return hostUrl(this, PROMETHEUS_PORT);
  }

  /** Runs an instant PromQL query; fails with Prometheus' own error text when the query is invalid. */
  async query(promql: string): Promise<PromSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: {
        resultType: string;
        result: Array<{ metric: Record<string, string>; value: [number, string] }>;
      };
    };
    if (body.status !== 'success' || !body.data) {
      throw new Error(
        `Prometheus query ${JSON.stringify(promql)} failed: ${body.error ?? response.statusText}`,
      );
    }
    if (body.data.resultType !== 'vector') {
      throw new Error(
        `Prometheus query ${JSON.stringify(promql)} returned a ${body.data.resultType}, not a vector`,
      );
    }
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }
}
