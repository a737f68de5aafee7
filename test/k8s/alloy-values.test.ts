import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import {
  alloyBlock,
  alloyConfigOf,
  COMPOSE_ALLOY,
  FARO_PATH,
  SHARED_BLOCKS,
} from '@telemetry-kit/observability-config/targets/alloy-values';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rendered } from './rendered.ts';

const settings = loadSettings(REPO_ROOT);
const compose = readFileSync(path.join(REPO_ROOT, COMPOSE_ALLOY), 'utf8');

describe.each(KUBERNETES_ENVIRONMENTS)('k8s/overlays/%s/alloy.values.yaml', (env) => {
  const values = parse(
    readFileSync(path.join(REPO_ROOT, 'k8s/overlays', env, 'alloy.values.yaml'), 'utf8'),
  ) as {
    alloy: { configMap: { content: string }; extraPorts: Array<{ port: number }> };
    ingress: { hosts: string[]; path: string; faroPort: number };
  };
  const config = alloyConfigOf(values);
  const host = settings.environments[env].workloads?.host;

  it('processes logs and traces with compose’s own blocks, unchanged', () => {
    for (const header of SHARED_BLOCKS) expect(config, header).toContain(alloyBlock(compose, header));
  });

  it('collects the stdout of the kit’s pods, labelled service and env like compose’s containers', () => {
    expect(config).toMatch(new RegExp(`namespaces \\{\\s*names = \\["${settings.kubernetes.namespace}"\\]`));
    expect(config).toMatch(
      /loki\.source\.kubernetes "pods" \{[\s\S]*forward_to = \[loki\.process\.json_lines\.receiver\]/,
    );
    expect(config).toMatch(
      /__meta_kubernetes_pod_label_app_kubernetes_io_name"\]\s*target_label\s*= "service"/,
    );
    expect(config).toMatch(new RegExp(`target_label = "env"\\s*replacement\\s*= "${env}"`));
  });

  it('listens where the services send OTLP and the browser posts Faro, and publishes both', () => {
    expect(values.alloy.extraPorts.map((p) => p.port)).toEqual(
      expect.arrayContaining([settings.kubernetes.collector.port, values.ingress.faroPort]),
    );
    expect(settings.kubernetes.collector.otlpEndpoint).toMatch(
      new RegExp(`:${settings.kubernetes.collector.port}$`),
    );
    expect(config).toMatch(new RegExp(`cors_allowed_origins = \\["https://${host}"\\]`));
  });

  it('is where the web app tells the browser to send its telemetry', () => {
    const web = rendered(env).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'web-env');
    expect(web?.data?.FARO_COLLECTOR_URL).toBe(`https://${host}${FARO_PATH}`);
    expect(values.ingress.hosts).toEqual([host]);
    expect(values.ingress.path).toBe(FARO_PATH);
  });
});
