// grafana/alloy Helm chart values for each Kubernetes environment: the in-cluster collector the services
// send OTLP to, which also collects their pods' stdout and takes the browser's Faro payloads. The trace
// pipeline and the log processing (JSON levels, trace ids as structured metadata) are compose's own
// blocks of compose/alloy/config.alloy, copied verbatim, so the two environments parse logs alike.
// Keys checked against grafana/alloy helm-chart/1.11.1 (appVersion v1.18.1): alloy.configMap.content
// (rendered through Helm's tpl), alloy.extraPorts, controller.type; components at v1.18.1
// (discovery.kubernetes, loki.source.kubernetes: generally available).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generatedHeader } from '../generated-header.ts';
import { TARGET } from '../paths.ts';
import type { DeployedEnvironment, Settings } from '../settings.ts';
import { KUBERNETES_ENVIRONMENTS } from '../settings.ts';
import { yamlDocument } from './compose.ts';

export const COMPOSE_ALLOY = 'compose/alloy/config.alloy';
/** compose's blocks the cluster runs unchanged. */
export const SHARED_BLOCKS = [
  'otelcol.receiver.otlp "services"',
  'otelcol.processor.batch "traces"',
  'loki.process "json_lines"',
];

/** One top-level block of an Alloy file, from its header to its closing brace, comments before it included. */
export function alloyBlock(config: string, header: string): string {
  const start = config.indexOf(`\n${header} {`);
  if (start < 0) throw new Error(`${COMPOSE_ALLOY} has no block ${header}`);
  let depth = 0;
  for (let i = config.indexOf('{', start); i < config.length; i += 1) {
    if (config[i] === '{') depth += 1;
    else if (config[i] === '}') {
      depth -= 1;
      if (depth === 0) return config.slice(start + 1, i + 1);
    }
  }
  throw new Error(`${COMPOSE_ALLOY}: block ${header} does not close`);
}

function clusterConfig(compose: string, settings: Settings, env: DeployedEnvironment): string {
  const { kubernetes } = settings;
  const host = settings.environments[env].workloads?.host ?? '';
  const shared = SHARED_BLOCKS.map((header) => alloyBlock(compose, header));
  return `// Generated from ${COMPOSE_ALLOY} (its trace pipeline and log processing, verbatim) for ${env}.

// ---------------------------------------------------------------- 1. traces
${shared[0]}

${shared[1]}

otelcol.exporter.otlp "tempo" {
  client {
    endpoint = "${kubernetes.collector.tempoOtlpGrpc}"

    tls {
      insecure = true
    }
  }
}

// ---------------------------------------------------------------- 2. pod logs
discovery.kubernetes "pods" {
  role = "pod"

  namespaces {
    names = ["${kubernetes.namespace}"]
  }

  // A DaemonSet: each Alloy tails the pods of its own node (the chart sets HOSTNAME to the node name).
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets

  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "service"
  }

  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }

  rule {
    target_label = "env"
    replacement  = "${env}"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.process.json_lines.receiver]
}

${shared[2]}

loki.write "local" {
  endpoint {
    url = "${kubernetes.datasources.loki}/loki/api/v1/push"
  }
}

// ---------------------------------------------------------------- 3. browser (Faro)
faro.receiver "web" {
  server {
    listen_address       = "0.0.0.0"
    listen_port          = ${FARO_PORT}
    cors_allowed_origins = ["https://${host}"]
  }

  extra_log_labels = {
    app     = "web",
    service = "web",
    env     = "${env}",
    kind    = "",
  }

  sourcemaps {
    download = false
  }

  output {
    logs   = [loki.write.local.receiver]
    traces = [otelcol.processor.batch.traces.input]
  }
}
`;
}

const FARO_PORT = 12347;
/** faro.receiver's one route; the web app posts there (FARO_COLLECTOR_URL). */
export const FARO_PATH = '/collect';

function alloyValues(compose: string, settings: Settings, env: DeployedEnvironment) {
  const config = clusterConfig(compose, settings, env);
  const workloads = settings.environments[env].workloads;
  if (!workloads) throw new Error(`${env} declares no workloads`);
  if (config.includes('`')) throw new Error(`${COMPOSE_ALLOY}: a backtick would end the tpl escape`);
  return {
    controller: { type: 'daemonset' },
    alloy: {
      enableReporting: false,
      configMap: {
        create: true,
        // The chart renders content through Helm's tpl: a raw string keeps the Go template of the
        // level stage ({{ with .Value }}…) from being read as Helm's.
        content: `{{\`${config}\`}}`,
      },
      extraPorts: [
        {
          name: 'otlp-http',
          port: settings.kubernetes.collector.port,
          targetPort: settings.kubernetes.collector.port,
          protocol: 'TCP',
        },
        { name: 'faro', port: FARO_PORT, targetPort: FARO_PORT, protocol: 'TCP' },
      ],
    },
    // The browser posts to https://<host>/collect: the chart's Ingress to the Faro port, beside the web
    // app's on the same host (its TLS Secret must exist in Alloy's namespace too).
    ingress: {
      enabled: true,
      ingressClassName: settings.kubernetes.ingress.className,
      faroPort: FARO_PORT,
      path: FARO_PATH,
      pathType: 'Prefix',
      hosts: [workloads.host],
      tls: [{ secretName: workloads.tlsSecret, hosts: [workloads.host] }],
    },
  };
}

/** The Alloy config a values file carries, as the chart renders it (the tpl raw string removed). */
export function alloyConfigOf(values: { alloy: { configMap: { content: string } } }): string {
  const content = values.alloy.configMap.content;
  if (!content.startsWith('{{`') || !content.endsWith('`}}')) throw new Error('not a tpl raw string');
  return content.slice(3, -3);
}

/** k8s/overlays/<env>/alloy.values.yaml for each Kubernetes environment. */
export function renderAlloyValues(root: string, settings: Settings): Map<string, string> {
  const compose = readFileSync(path.join(root, COMPOSE_ALLOY), 'utf8');
  const { collector } = settings.kubernetes;
  if (new URL(collector.otlpEndpoint).hostname !== `${collector.release}.${collector.namespace}`) {
    throw new Error(
      `grafana/environments.yaml: kubernetes.collector.otlpEndpoint ${collector.otlpEndpoint} is not the Service of ` +
        `release ${collector.release} in ${collector.namespace} (http://${collector.release}.${collector.namespace}:<port>)`,
    );
  }
  const files = new Map<string, string>();
  for (const env of KUBERNETES_ENVIRONMENTS) {
    files.set(
      `${TARGET.k8sOverlays}/${env}/alloy.values.yaml`,
      generatedHeader(`the ${env} settings in grafana/environments.yaml and ${COMPOSE_ALLOY}`) +
        `# helm upgrade --install ${collector.release} grafana/alloy --version ${collector.chartVersion} --namespace ${collector.namespace} --values <this file>\n` +
        yamlDocument(alloyValues(compose, settings, env)),
    );
  }
  return files;
}
