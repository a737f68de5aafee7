import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { Network } from 'testcontainers';
import {
  AlertmanagerContainer,
  type StartedAlertmanagerContainer,
} from '../alertmanager/alertmanager-container.ts';
import { AlloyContainer, type StartedAlloyContainer } from '../alloy/alloy-container.ts';
import type { LogBackend, MetricBackend, TraceBackend } from '../assert/backend.ts';
import { stackBackend } from '../assert/stack-backends.ts';
import type { ConfigSource } from '../config-source.ts';
import { COMPOSE_DIR } from '../config-source.ts';
import { GrafanaContainer, type StartedGrafanaContainer } from '../grafana/grafana-container.ts';
import type { ImageKey } from '../images.ts';
import { resolveImage } from '../images.ts';
import { LokiContainer, type StartedLokiContainer } from '../loki/loki-container.ts';
import { PrometheusContainer, type StartedPrometheusContainer } from '../prometheus/prometheus-container.ts';
import { scrapeJobs, writeActiveTargets } from '../prometheus/scrape-targets.ts';
import { type StartedTempoContainer, TempoContainer } from '../tempo/tempo-container.ts';

export const STACK_COMPONENTS = ['prometheus', 'alertmanager', 'loki', 'tempo', 'alloy', 'grafana'] as const;
export type StackComponent = (typeof STACK_COMPONENTS)[number];

/** The pin key of each component's image. */
export const COMPONENT_IMAGES: Record<StackComponent, ImageKey> = {
  prometheus: 'PROMETHEUS_IMAGE',
  alertmanager: 'ALERTMANAGER_IMAGE',
  loki: 'LOKI_IMAGE',
  tempo: 'TEMPO_IMAGE',
  alloy: 'ALLOY_IMAGE',
  grafana: 'GRAFANA_IMAGE',
};

/** The configuration files compose mounts, by component; every one can be replaced. */
export interface StackConfigs {
  prometheus: ConfigSource;
  prometheusRules: ConfigSource;
  /** file_sd targets; by default written at start for the components started and the app services. */
  prometheusTargets?: ConfigSource;
  alertmanager: ConfigSource;
  loki: ConfigSource;
  tempo: ConfigSource;
  alloy: ConfigSource;
  grafanaProvisioning: ConfigSource;
}

export function composeConfigs(composeDir = COMPOSE_DIR): StackConfigs {
  const at = (...parts: string[]) => ({ path: path.join(composeDir, ...parts) });
  return {
    prometheus: at('prometheus', 'prometheus.yml'),
    prometheusRules: at('prometheus', 'rules'),
    alertmanager: at('alertmanager', 'alertmanager.yml'),
    loki: at('loki', 'loki.yaml'),
    tempo: at('tempo', 'tempo.yaml'),
    alloy: at('alloy', 'config.alloy'),
    grafanaProvisioning: at('grafana', 'provisioning'),
  };
}

export interface LgtmStackOptions {
  /** Which components to start (default: all six). */
  components?: readonly StackComponent[];
  /** Replacements for compose's configuration files. */
  configs?: Partial<StackConfigs>;
  /** Image per component, instead of the pin (and its environment override). */
  images?: Partial<Record<StackComponent, string>>;
  /**
   * Mount the Docker socket into Alloy so it collects container logs as under compose (default: when
   * /var/run/docker.sock exists). It collects the containers labelled as the testkit's compose project
   * (TESTKIT_PROJECT): give services `ServiceContainer#withComposeLabels()`.
   */
  alloyDockerSocket?: boolean;
  /** Where progress lines go (default: stderr). */
  log?: (line: string) => void;
}

type Started = {
  prometheus: StartedPrometheusContainer;
  alertmanager: StartedAlertmanagerContainer;
  loki: StartedLokiContainer;
  tempo: StartedTempoContainer;
  alloy: StartedAlloyContainer;
  grafana: StartedGrafanaContainer;
};

// Components that others point at start first; Alloy (→ Loki, Tempo) and Grafana (→ all) after.
const WAVES: StackComponent[][] = [
  ['prometheus', 'alertmanager', 'loki', 'tempo'],
  ['alloy', 'grafana'],
];

/**
 * The kit's telemetry stack on one network, each component under its compose service name (so the
 * configuration files' `http://loki:3100` and the like resolve), with compose's configuration files.
 * Prints each component's start time; a component that fails is named with the command to see its logs.
 */
export class LgtmStack {
  private readonly options: LgtmStackOptions;

  constructor(options: LgtmStackOptions = {}) {
    this.options = options;
  }

  /** The pin keys the chosen components need: pass them to describeWithContainers. */
  static requiredImages(components: readonly StackComponent[] = STACK_COMPONENTS): ImageKey[] {
    return components.map((c) => COMPONENT_IMAGES[c]);
  }

  get components(): readonly StackComponent[] {
    return this.options.components ?? STACK_COMPONENTS;
  }

  /**
   * compose's targets for the components this stack starts (as npm run dev writes them: what is not
   * started is not scraped) and for the reference services, which tests start beside it.
   */
  private targetsFolder(): string {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'lgtm-targets-'));
    const services = [...scrapeJobs()].filter(([, sets]) => sets.containers).map(([job]) => job);
    writeActiveTargets({ inContainers: [...this.components, ...services] }, folder);
    return folder;
  }

  private container(component: StackComponent, configs: StackConfigs) {
    const image = this.options.images?.[component] ?? resolveImage(COMPONENT_IMAGES[component]);
    switch (component) {
      case 'prometheus':
        return new PrometheusContainer(image)
          .withConfig(configs.prometheus)
          .withRules(configs.prometheusRules)
          .withFileTargets(configs.prometheusTargets ?? { path: this.targetsFolder() })
          .withFlags('--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage');
      case 'alertmanager':
        return new AlertmanagerContainer(image).withConfig(configs.alertmanager);
      case 'loki':
        return new LokiContainer(image).withConfig(configs.loki);
      case 'tempo':
        return new TempoContainer(image).withConfig(configs.tempo);
      case 'alloy': {
        const alloy = new AlloyContainer(image).withConfig(configs.alloy);
        const socket = this.options.alloyDockerSocket ?? existsSync('/var/run/docker.sock');
        return socket ? alloy.withDockerSocket() : alloy;
      }
      case 'grafana':
        return new GrafanaContainer(image).withProvisioning(configs.grafanaProvisioning);
    }
  }

  async start(): Promise<StartedLgtmStack> {
    const log = this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const configs = { ...composeConfigs(), ...this.options.configs };
    const network = await new Network().start();
    const started: Partial<Started> = {};
    const stack = new StartedLgtmStack(network, started);
    const t0 = Date.now();
    try {
      for (const wave of WAVES) {
        const inWave = wave.filter((c) => this.components.includes(c));
        await Promise.all(
          inWave.map(async (component) => {
            const begin = Date.now();
            let container: StartedTestContainer;
            try {
              container = await this.container(component, configs)
                .withNetwork(network)
                .withNetworkAliases(component)
                .start();
            } catch (error) {
              const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
              throw new Error(
                `${component} did not become ready: ${detail} — see its logs with \`docker logs <container>\` ` +
                  `(\`docker ps -a --filter network=${network.getName()}\`)`,
                { cause: error },
              );
            }
            (started as Record<StackComponent, StartedTestContainer>)[component] = container;
            log(`  ✓ ${component.padEnd(12)} ready in ${((Date.now() - begin) / 1000).toFixed(1)} s`);
          }),
        );
      }
    } catch (error) {
      await stack.stop();
      throw error;
    }
    log(`  LGTM stack (${this.components.join(', ')}) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return stack;
  }
}

export class StartedLgtmStack {
  readonly network: StartedNetwork;
  private readonly started: Partial<Started>;

  constructor(network: StartedNetwork, started: Partial<Started>) {
    this.network = network;
    this.started = started;
  }

  private need<K extends StackComponent>(component: K): Started[K] {
    const container = this.started[component];
    if (!container)
      throw new Error(`${component} is not part of this stack — add it to LgtmStack's components`);
    return container as Started[K];
  }

  get prometheus(): StartedPrometheusContainer {
    return this.need('prometheus');
  }
  get alertmanager(): StartedAlertmanagerContainer {
    return this.need('alertmanager');
  }
  get loki(): StartedLokiContainer {
    return this.need('loki');
  }
  get tempo(): StartedTempoContainer {
    return this.need('tempo');
  }
  get alloy(): StartedAlloyContainer {
    return this.need('alloy');
  }
  get grafana(): StartedGrafanaContainer {
    return this.need('grafana');
  }

  /** Host URLs of the started components, by component. */
  get urls(): Partial<Record<StackComponent, string>> {
    return Object.fromEntries(
      Object.entries(this.started).map(([component, container]) => [
        component,
        (container as { url: string }).url,
      ]),
    );
  }

  /** Tempo, Loki and Prometheus as one backend for expectTrace / expectLog / expectMetric. */
  backend(): TraceBackend & LogBackend & MetricBackend {
    return stackBackend({ tempo: this.tempo.url, loki: this.loki.url, prometheus: this.prometheus.url });
  }

  async stop(): Promise<void> {
    await Promise.allSettled(Object.values(this.started).map((container) => container.stop()));
    await this.network.stop();
  }
}
