import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeSource, root } from './compose-file.ts';

const text = (file: string) => readFileSync(path.join(root, 'compose', file), 'utf8');

interface Datasource {
  uid: string;
  type: string;
  url: string;
  jsonData: Record<string, unknown>;
}

const datasourcesText = text('grafana/provisioning/datasources/datasources.yaml');
const datasources = (parse(datasourcesText) as { datasources: Datasource[] }).datasources;
const byUid = (uid: string) => {
  const found = datasources.find((d) => d.uid === uid);
  if (!found) throw new Error(`no datasource with uid ${uid}`);
  return found;
};

describe('Grafana datasources (compose/grafana/provisioning)', () => {
  it('have exactly the fixed UIDs dashboards and alert rules refer to', () => {
    expect(datasources.map((d) => d.uid).sort()).toEqual(['alertmanager', 'loki', 'prometheus', 'tempo']);
  });

  it('point at the compose services', () => {
    const { services } = composeSource();
    for (const d of datasources) {
      const host = new URL(d.url).hostname;
      expect(services[host], `${d.uid} → ${d.url}`).toBeDefined();
    }
  });

  it('link exemplars, log lines and spans both ways', () => {
    // The services' OpenMetrics exemplars say trace_id; Tempo's metrics-generator says traceID.
    expect(byUid('prometheus').jsonData.exemplarTraceIdDestinations).toEqual([
      expect.objectContaining({ name: 'trace_id', datasourceUid: 'tempo' }),
      expect.objectContaining({ name: 'traceID', datasourceUid: 'tempo' }),
    ]);
    expect(byUid('loki').jsonData.derivedFields).toEqual(
      expect.arrayContaining([expect.objectContaining({ matcherRegex: 'trace_id', datasourceUid: 'tempo' })]),
    );
    const tempo = byUid('tempo').jsonData;
    expect(tempo.tracesToLogsV2).toMatchObject({ datasourceUid: 'loki', filterByTraceID: true });
    expect(tempo.tracesToMetrics).toMatchObject({ datasourceUid: 'prometheus' });
    expect(tempo.serviceMap).toEqual({ datasourceUid: 'prometheus' });
  });

  it("escapes Grafana's variables from the provisioning file's environment expansion", () => {
    expect(datasourcesText.match(/(?<!\$)\$\{__/g) ?? []).toEqual([]);
    expect(datasourcesText.match(/(?<!\$)\$__tags/g) ?? []).toEqual([]);
  });

  it("finds the generated dashboards where their provider says, through compose's provisioning mount", () => {
    const grafana = composeSource().services.grafana;
    expect(grafana?.volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    const providersDir = path.join(root, 'compose/grafana/provisioning/dashboards');
    const providerFiles = existsSync(providersDir)
      ? readdirSync(providersDir).filter((f) => /\.ya?ml$/.test(f))
      : [];
    for (const file of providerFiles) {
      const { providers } = parse(readFileSync(path.join(providersDir, file), 'utf8')) as {
        providers: Array<{ options: { path: string } }>;
      };
      for (const provider of providers) {
        expect(provider.options.path).toMatch(/^\/etc\/grafana\/provisioning\//);
        const onHost = provider.options.path.replace(
          '/etc/grafana/provisioning',
          path.join(root, 'compose/grafana/provisioning'),
        );
        expect(existsSync(onHost), `${file}: ${provider.options.path}`).toBe(true);
      }
    }
  });

  it('lets anonymous viewers in, downloads no plugins at start', () => {
    const env =
      (composeSource().services.grafana as { environment?: Record<string, string> }).environment ?? {};
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('true');
    expect(env.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    expect(env.GF_PLUGINS_PREINSTALL_DISABLED).toBe('true');
    expect(env.GF_INSTALL_PLUGINS).toBeUndefined();
  });
});

describe('Loki, Tempo and Alloy configurations', () => {
  it('Loki caches range-query results (cache_results), not only sizes a cache it never uses', () => {
    const loki = parse(text('loki/loki.yaml')) as {
      query_range: { cache_results?: boolean; results_cache?: unknown };
    };
    expect(loki.query_range.results_cache).toBeDefined();
    expect(loki.query_range.cache_results).toBe(true);
  });

  it('Tempo 3 has none of the keys 3.0 removed, and answers searches up to now', () => {
    const tempo = parse(text('tempo/tempo.yaml')) as Record<string, unknown> & {
      metrics_generator: Record<string, unknown>;
      query_frontend?: { query_end_cutoff?: string };
      backend_worker?: { compaction?: { block_retention?: string } };
      overrides: { defaults: { metrics_generator: { processors: string[] } } };
    };
    // 3.0 parses strictly (cmd/tempo/main.go): any of these stops it at start.
    expect(Object.keys(tempo)).not.toContain('ingester');
    expect(Object.keys(tempo)).not.toContain('compactor');
    expect(Object.keys(tempo.metrics_generator)).not.toContain('traces_storage');
    expect(tempo.overrides.defaults.metrics_generator.processors).not.toContain('local-blocks');
    expect(tempo.backend_worker?.compaction?.block_retention).toBe('168h');
    expect(tempo.query_frontend?.query_end_cutoff).toBe('0s');
  });

  it('Loki keeps logs 7 days and the compactor deletes older ones', () => {
    const loki = parse(text('loki/loki.yaml')) as {
      limits_config: { retention_period: string };
      compactor: { retention_enabled: boolean; delete_request_store: string };
    };
    expect(loki.limits_config.retention_period).toBe('168h');
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.compactor.delete_request_store).toBe('filesystem');
  });

  it("Tempo's metrics-generator writes span metrics and the service graph to Prometheus with exemplars", () => {
    const tempo = parse(text('tempo/tempo.yaml')) as {
      metrics_generator: { storage: { remote_write: Array<{ url: string; send_exemplars: boolean }> } };
      overrides: { defaults: { metrics_generator: { processors: string[] } } };
    };
    expect(tempo.metrics_generator.storage.remote_write).toEqual([
      { url: 'http://prometheus:9090/api/v1/write', send_exemplars: true },
    ]);
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(
      expect.arrayContaining(['service-graphs', 'span-metrics']),
    );
    const prometheus = composeSource().services.prometheus as { command?: string[] };
    expect(prometheus.command).toEqual(
      expect.arrayContaining(['--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage']),
    );
  });

  // No Alloy binary can run here (`alloy fmt` would be the parser): these pin the wiring only.
  it('Alloy receives OTLP for Tempo, tails this project’s containers into Loki, and takes Faro with CORS', () => {
    const alloy = text('alloy/config.alloy');
    expect(alloy).toMatch(/otelcol\.receiver\.otlp "services" \{[\s\S]*endpoint = "0\.0\.0\.0:4318"/);
    expect(alloy).toMatch(/otelcol\.exporter\.otlp "tempo" \{[\s\S]*endpoint = "tempo:4317"/);
    // This compose project's (compose.yaml `name:`), unless the testkit's Alloy names its own.
    expect(alloy).toContain(
      'values = [string.format("com.docker.compose.project=%s", coalesce(sys.env("LOGS_PROJECT"), "telemetry-kit"))]',
    );
    expect(alloy).toMatch(/target_label {2}= "service"/);
    expect(alloy).toMatch(/stage\.json \{/);
    expect(alloy).toMatch(/stage\.labels \{\s*values = \{ level = "" \}/);
    expect(alloy).toMatch(/cors_allowed_origins = string\.split\(sys\.env\("WEB_ORIGINS"\), ","\)/);
    expect(alloy).toMatch(
      /faro\.receiver "web" \{[\s\S]*logs {3}= \[loki\.write\.local\.receiver\][\s\S]*traces = \[otelcol/,
    );
    const { services } = composeSource();
    const alloyEnv = (services.alloy as { environment?: Record<string, string> }).environment ?? {};
    // compose's own interpolation syntax, compared as written in the file
    const webPort = '$' + '{WEB_PORT:-3000}';
    // A browser may open the web app by name or by address; both must be allowed.
    expect(alloyEnv.WEB_ORIGINS?.split(',')).toEqual([
      `http://localhost:${webPort}`,
      `http://127.0.0.1:${webPort}`,
    ]);
    expect(services.web?.ports?.[0]).toBe(`127.0.0.1:${webPort}:8080`);
  });

  it('Alloy sets no level label on a line that has none (no "<no value>")', () => {
    const template = /stage\.template \{\s*source\s*= "level"\s*template = "(.*)"\n/.exec(
      text('alloy/config.alloy'),
    )?.[1];
    expect(template, 'the level template').toBeDefined();
    // Go templates print "<no value>" for a missing .Value; `with` renders nothing instead, and an
    // empty result removes the field (stages/template.go, grafana/alloy v1.18.1).
    expect(template).toMatch(/^\{\{ with \.Value \}\}.*\{\{ end \}\}$/);
    const outsideWith = template?.replace(/\{\{ with \.Value \}\}.*\{\{ end \}\}$/, '');
    expect(outsideWith).toBe('');
    expect(template).not.toContain('.Value }}{{ end');
  });

  it('Alloy reads the logs of exited one-shots (the migrations), not only running containers', () => {
    const discovery =
      /discovery\.docker "containers" \{([\s\S]*?)\n\}/.exec(text('alloy/config.alloy'))?.[1] ?? '';
    // Docker lists only running containers unless a status filter is given.
    expect(discovery).toMatch(/filter \{\s*name\s*= "status"\s*values = \[[^\]]*"exited"[^\]]*\]/);
    expect(discovery).toMatch(
      /filter \{\s*name\s*= "label"\s*values = \[string\.format\("com\.docker\.compose\.project=%s"/,
    );
    // A migration lives seconds; the default refresh (1m) would miss it when it was removed in between.
    const refresh = /refresh_interval = "(\d+)s"/.exec(discovery)?.[1];
    expect(Number(refresh), 'refresh_interval in seconds').toBeLessThanOrEqual(5);
  });
});
