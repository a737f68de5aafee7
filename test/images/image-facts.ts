// What the kit relies on in each third-party image it starts, read from the upstream source at the tag
// images.env pins. Grafana, Loki, Tempo and Alloy cannot run on this project's machines, so these
// facts are how compose/, packages/testkit and .devcontainer.json are checked against them
// (image-facts.test.ts). Moving a pin means reading the new tag and updating `tag` here: the test
// fails until the two agree.

/** A fact and where upstream says so: "<repository>@<tag>:<file>", a line or a symbol where useful. */
export interface Sourced<T> {
  value: T;
  source: string;
}

export interface ImageFacts {
  /** The images.env variable that pins the image. */
  variable: string;
  /** The tag these facts were read at; images.env must pin exactly this. */
  tag: string;
  /** Executables a healthcheck or entrypoint may call (absolute, or on the image's PATH). */
  binaries: Sourced<string[]>;
  /** The uid the image starts as (its USER; 0 for root). */
  uid: Sourced<number>;
  /** Ports the process listens on inside the container, by what they are. */
  ports: Sourced<Record<string, number>>;
  /** Where the process reads its configuration unless told otherwise. */
  configPath?: Sourced<string>;
  /** The readiness endpoint (port and path), or the line the image logs once it is ready. */
  readiness: Sourced<{ port: number; path: string } | { logged: string }>;
  /** Directories the image creates owned by its user: a fresh named volume mounted there is writable. */
  ownedDirectories?: Sourced<string[]>;
}

const BUSYBOX = ['sh', 'wget', 'cat', 'chown'];

export const IMAGE_FACTS: readonly ImageFacts[] = [
  {
    variable: 'PROMETHEUS_IMAGE',
    tag: 'v3.5.3',
    binaries: {
      value: ['/bin/prometheus', '/bin/promtool', ...BUSYBOX],
      source: 'prometheus/prometheus@v3.5.3:Dockerfile (FROM quay.io/prometheus/busybox, COPY promtool)',
    },
    uid: { value: 65534, source: 'prometheus/prometheus@v3.5.3:Dockerfile (USER nobody)' },
    ports: { value: { http: 9090 }, source: 'prometheus/prometheus@v3.5.3:Dockerfile (EXPOSE 9090)' },
    configPath: {
      value: '/etc/prometheus/prometheus.yml',
      source: 'prometheus/prometheus@v3.5.3:Dockerfile (CMD --config.file)',
    },
    readiness: {
      value: { port: 9090, path: '/-/ready' },
      source: 'prometheus/prometheus@v3.5.3:web/web.go:551 (router.Get("/-/ready"))',
    },
    ownedDirectories: {
      value: ['/prometheus', '/etc/prometheus'],
      source: 'prometheus/prometheus@v3.5.3:Dockerfile (chown -R nobody:nobody /etc/prometheus /prometheus)',
    },
  },
  {
    variable: 'ALERTMANAGER_IMAGE',
    tag: 'v0.33.1',
    binaries: {
      value: ['/bin/alertmanager', '/bin/amtool', ...BUSYBOX],
      source: 'prometheus/alertmanager@v0.33.1:Dockerfile (FROM quay.io/prometheus/busybox, COPY amtool)',
    },
    uid: { value: 65534, source: 'prometheus/alertmanager@v0.33.1:Dockerfile (USER nobody)' },
    ports: { value: { http: 9093 }, source: 'prometheus/alertmanager@v0.33.1:Dockerfile (EXPOSE 9093)' },
    configPath: {
      value: '/etc/alertmanager/alertmanager.yml',
      source: 'prometheus/alertmanager@v0.33.1:Dockerfile (CMD --config.file)',
    },
    readiness: {
      value: { port: 9093, path: '/-/ready' },
      source: 'prometheus/alertmanager@v0.33.1:httpserver/httpserver.go (r.Get("/-/ready"))',
    },
    ownedDirectories: {
      value: ['/alertmanager', '/etc/alertmanager'],
      source:
        'prometheus/alertmanager@v0.33.1:Dockerfile (chown -R nobody:nobody /etc/alertmanager /alertmanager)',
    },
  },
  {
    variable: 'NODE_EXPORTER_IMAGE',
    tag: 'v1.11.1',
    binaries: {
      value: ['/bin/node_exporter', ...BUSYBOX],
      source: 'prometheus/node_exporter@v1.11.1:Dockerfile (FROM quay.io/prometheus/busybox)',
    },
    uid: { value: 65534, source: 'prometheus/node_exporter@v1.11.1:Dockerfile (USER nobody)' },
    ports: { value: { http: 9100 }, source: 'prometheus/node_exporter@v1.11.1:Dockerfile (EXPOSE 9100)' },
    // No readiness endpoint: /metrics answering is what "up" means for an exporter.
    readiness: {
      value: { port: 9100, path: '/metrics' },
      source: 'prometheus/node_exporter@v1.11.1:node_exporter.go (--web.telemetry-path default /metrics)',
    },
  },
  {
    variable: 'GRAFANA_IMAGE',
    tag: '13.2.0',
    binaries: {
      value: ['/run.sh', 'grafana', ...BUSYBOX],
      // grafana/grafana is too large to fetch here; the Dockerfile was read at a 12.x commit and the
      // default (unsuffixed) tag is still the Alpine variant in 13. The full-stack test in the GitHub
      // workflow runs compose's wget healthcheck against the real 13.2.0 image.
      source:
        'grafana/grafana@78515af:Dockerfile (final stage alpine, busybox wget; -ubuntu is a separate tag)',
    },
    uid: { value: 472, source: 'grafana/grafana@78515af:Dockerfile (ARG GF_UID="472", USER "$GF_UID")' },
    ports: { value: { http: 3000 }, source: 'grafana/grafana@78515af:Dockerfile (EXPOSE 3000)' },
    configPath: {
      value: '/etc/grafana/provisioning',
      source: 'grafana/grafana@78515af:Dockerfile (GF_PATHS_PROVISIONING="/etc/grafana/provisioning")',
    },
    readiness: {
      value: { port: 3000, path: '/api/health' },
      source: 'grafana/docker-otel-lgtm@v0.31.0:docker/run-grafana.sh (polls /api/health of Grafana 13)',
    },
    ownedDirectories: {
      value: ['/var/lib/grafana'],
      source: 'grafana/grafana@78515af:Dockerfile (GF_PATHS_DATA owned by GF_UID)',
    },
  },
  {
    variable: 'LOKI_IMAGE',
    tag: '3.7.6',
    binaries: {
      // distroless/static:nonroot since 3.6.0: no shell, no busybox, no wget.
      value: ['/usr/bin/loki'],
      source: 'grafana/loki@v3.7.6:cmd/loki/Dockerfile (FROM gcr.io/distroless/static:nonroot)',
    },
    uid: { value: 10001, source: 'grafana/loki@v3.7.6:cmd/loki/Dockerfile (USER 10001)' },
    ports: {
      value: { http: 3100, grpc: 9096 },
      source:
        'grafana/loki@v3.7.6:cmd/loki/Dockerfile (EXPOSE 3100); compose/loki/loki.yaml (grpc_listen_port)',
    },
    configPath: {
      value: '/etc/loki/local-config.yaml',
      source: 'grafana/loki@v3.7.6:cmd/loki/Dockerfile (CMD -config.file=/etc/loki/local-config.yaml)',
    },
    readiness: {
      value: { port: 3100, path: '/ready' },
      source: 'grafana/loki@v3.7.6:pkg/loki/loki.go (readyHandler on /ready); cmd/loki/health.go (-health)',
    },
    ownedDirectories: {
      value: ['/loki'],
      source: 'grafana/loki@v3.7.6:cmd/loki/Dockerfile (/loki owned by 10001:10001)',
    },
  },
  {
    variable: 'TEMPO_IMAGE',
    tag: '3.0.3',
    binaries: {
      // distroless/static-debian12 (not :debug): no shell, no busybox, no wget, no chown.
      value: ['/tempo'],
      source: 'grafana/tempo@v3.0.3:cmd/tempo/Dockerfile (final FROM gcr.io/distroless/static-debian12)',
    },
    uid: { value: 10001, source: 'grafana/tempo@v3.0.3:cmd/tempo/Dockerfile (USER 10001:10001)' },
    ports: {
      value: { http: 3200, otlpGrpc: 4317, otlpHttp: 4318 },
      source:
        'grafana/tempo@v3.0.3:cmd/tempo/app/config.go (http_listen_port 3200); compose/tempo/tempo.yaml receivers',
    },
    readiness: {
      value: { port: 3200, path: '/ready' },
      source: 'grafana/tempo@v3.0.3:cmd/tempo/app/app.go (/ready); cmd/tempo/health.go (-health)',
    },
    ownedDirectories: {
      value: ['/var/tempo'],
      source: 'grafana/tempo@v3.0.3:cmd/tempo/Dockerfile (COPY --chown=10001:10001 --chmod=0700 /var/tempo)',
    },
  },
  {
    variable: 'ALLOY_IMAGE',
    tag: 'v1.18.1',
    binaries: {
      // Ubuntu 24.04 with ca-certificates, libsystemd0 and tzdata added: bash, no curl, no wget.
      value: ['/bin/alloy', 'bash', 'sh', 'cat'],
      source:
        'grafana/alloy@v1.18.1:Dockerfile (FROM ubuntu:noble; apt-get install ca-certificates libsystemd0 tzdata)',
    },
    uid: { value: 0, source: 'grafana/alloy@v1.18.1:Dockerfile (no USER: "do not set it as default")' },
    ports: {
      value: { http: 12345, otlpGrpc: 4317, otlpHttp: 4318, faro: 12347 },
      source:
        'grafana/alloy@v1.18.1:internal/alloycli/cmd_run.go (--server.http.listen-addr); compose/alloy/config.alloy',
    },
    configPath: {
      value: '/etc/alloy/config.alloy',
      source: 'grafana/alloy@v1.18.1:Dockerfile (CMD ["run", "/etc/alloy/config.alloy", …])',
    },
    readiness: {
      value: { port: 12345, path: '/-/ready' },
      source: 'grafana/alloy@v1.18.1:internal/service/http/http.go (/-/ready: 200 once the config loaded)',
    },
    ownedDirectories: {
      value: ['/var/lib/alloy/data'],
      source: 'grafana/alloy@v1.18.1:Dockerfile (mkdir -p /var/lib/alloy/data; runs as root)',
    },
  },
  {
    variable: 'POSTGRES_IMAGE',
    tag: '17.12-trixie',
    binaries: {
      value: ['docker-entrypoint.sh', 'postgres', 'pg_isready', 'psql', 'bash', 'sh'],
      source: 'docker-library/postgres@6edb0a8:17/trixie/Dockerfile (ENV PATH …/postgresql/$PG_MAJOR/bin)',
    },
    uid: {
      value: 0,
      source:
        'docker-library/postgres@6edb0a8:17/trixie/Dockerfile (no USER; docker-entrypoint.sh runs the server as postgres, uid 999)',
    },
    ports: {
      value: { postgres: 5432 },
      source: 'docker-library/postgres@6edb0a8:17/trixie/Dockerfile (EXPOSE 5432)',
    },
    readiness: {
      value: { logged: 'database system is ready to accept connections' },
      source:
        'docker-library/postgres@6edb0a8:17/trixie/docker-entrypoint.sh (temporary server, then the real one)',
    },
    ownedDirectories: {
      value: ['/var/lib/postgresql/data'],
      source: 'docker-library/postgres@6edb0a8:17/trixie/Dockerfile (PGDATA, install --owner postgres)',
    },
  },
  {
    variable: 'NODE_IMAGE',
    tag: '24.21.0-trixie-slim',
    binaries: {
      value: ['node', 'npm', 'npx', 'bash', 'sh'],
      source: 'nodejs/docker-node@f27d936:24/trixie-slim/Dockerfile (same layout for every 24.x)',
    },
    uid: {
      value: 0,
      source:
        'nodejs/docker-node@f27d936:24/trixie-slim/Dockerfile (no USER; user node, uid 1000, is there to switch to)',
    },
    ports: { value: {}, source: 'nodejs/docker-node@f27d936:24/trixie-slim/Dockerfile (no EXPOSE)' },
    readiness: {
      value: { port: 8080, path: '/readyz' },
      source: 'packages/telemetry (every service answers /readyz on PORT, 8080 in compose)',
    },
  },
  {
    variable: 'OTEL_LGTM_IMAGE',
    tag: '0.31.0',
    binaries: {
      value: ['bash', 'sh'],
      source: 'grafana/docker-otel-lgtm@v0.31.0:docker/Dockerfile (FROM redhat/ubi9-micro, CMD run-all.sh)',
    },
    uid: { value: 0, source: 'grafana/docker-otel-lgtm@v0.31.0:docker/Dockerfile (no USER)' },
    ports: {
      value: { grafana: 3000, otlpGrpc: 4317, otlpHttp: 4318, prometheus: 9090, loki: 3100, tempo: 3200 },
      source:
        'grafana/docker-otel-lgtm@v0.31.0:docker/Dockerfile (EXPOSE 3000 3200 4317 4318 9090); docker/loki-config.yaml (3100)',
    },
    readiness: {
      value: {
        logged:
          'The OpenTelemetry collector and the Grafana LGTM stack are up and running. (created /tmp/ready)',
      },
      source: 'grafana/docker-otel-lgtm@v0.31.0:docker/run-all.sh:199 (echo once every component answers)',
    },
  },
];

/** Tempo's metrics-generator labels exemplars with this name (trace_id_label_name, default traceID). */
export const TEMPO_EXEMPLAR_TRACE_ID_LABEL: Sourced<string> = {
  value: 'traceID',
  source: 'grafana/tempo@v3.0.3:modules/generator/registry/histogram.go (traceIDLabelName = "traceID")',
};

export function factsFor(variable: string): ImageFacts {
  const facts = IMAGE_FACTS.find((f) => f.variable === variable);
  if (!facts) throw new Error(`test/images/image-facts.ts records nothing for ${variable}`);
  return facts;
}
