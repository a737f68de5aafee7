import { createHmac, randomBytes } from 'node:crypto';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Who traces incoming requests. `handler` (default): `telemetry.handler()` starts the SERVER span and
 * records the duration; instrumentation-http traces outgoing node:http calls only. Its incoming side
 * binds every request and response emitter to the context, which cost about a quarter of a small
 * service's throughput in the benchmark. `instrumentation`: instrumentation-http traces incoming
 * requests too, for servers whose listener cannot be wrapped by `handler()`.
 */
export const HTTP_SERVER_TRACING = ['handler', 'instrumentation'] as const;
export type HttpServerTracing = (typeof HTTP_SERVER_TRACING)[number];

/** Everything the library reads from the environment, resolved once at start-up. */
export interface ResolvedConfig {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  logLevel: LogLevel;
  /** Root sampling ratio for parent-based sampling; undefined when OTEL_TRACES_SAMPLER decides. */
  sampleRatio: number | undefined;
  /** Key of the HMAC that turns user ids into pseudonymous ids. */
  pseudonymKey: Buffer;
  prettyLogs: boolean;
  /** TELEMETRY_HTTP_SERVER: who traces incoming requests. */
  httpServer: HttpServerTracing;
  /** OTEL_SDK_DISABLED=true: no spans, no instrumentation. */
  sdkDisabled: boolean;
}

export interface ConfigOverrides {
  serviceName?: string;
  serviceVersion?: string;
  environment?: string;
  logLevel?: LogLevel;
  sampleRatio?: number;
  pseudonymKey?: string;
  prettyLogs?: boolean;
  httpServer?: HttpServerTracing;
}

type Env = Record<string, string | undefined>;

/** OTEL_RESOURCE_ATTRIBUTES is `key=value,key=value` with percent-encoded values (OTel spec). */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      out[key] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

function nonEmpty(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v.trim() !== '')?.trim();
}

/**
 * OTEL_SDK_DISABLED=true (OTel spec): no spans, no instrumentation; logs, metrics and health stay.
 * `register` asks before the SDK starts (whether to install the loader hook); the SDK reads it as
 * `config.sdkDisabled`.
 */
export function sdkDisabledByEnv(env: Env = process.env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}

export function resolveConfig(overrides: ConfigOverrides = {}, env: Env = process.env): ResolvedConfig {
  const resourceAttributes = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
  const serviceName =
    nonEmpty(overrides.serviceName, env.OTEL_SERVICE_NAME, resourceAttributes['service.name']) ??
    'unknown_service:node';
  const serviceVersion =
    nonEmpty(
      overrides.serviceVersion,
      env.SERVICE_VERSION,
      env.GIT_SHA,
      env.GIT_COMMIT,
      resourceAttributes['service.version'],
    ) ?? 'dev';
  const environment =
    nonEmpty(
      overrides.environment,
      env.DEPLOYMENT_ENVIRONMENT,
      resourceAttributes['deployment.environment.name'],
      resourceAttributes['deployment.environment'],
      env.NODE_ENV,
    ) ?? 'development';

  const rawLevel = (overrides.logLevel ?? nonEmpty(env.LOG_LEVEL) ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(rawLevel)) {
    throw new Error(`LOG_LEVEL="${rawLevel}" is not a level — use one of ${LOG_LEVELS.join(', ')}`);
  }

  let sampleRatio: number | undefined;
  if (overrides.sampleRatio !== undefined) sampleRatio = overrides.sampleRatio;
  else if (nonEmpty(env.OTEL_TRACES_SAMPLER) === undefined) {
    // No sampler chosen by the operator: parent-based ratio, the ratio from OTEL_TRACES_SAMPLER_ARG.
    sampleRatio =
      nonEmpty(env.OTEL_TRACES_SAMPLER_ARG) === undefined ? 1 : Number(env.OTEL_TRACES_SAMPLER_ARG);
  }
  if (sampleRatio !== undefined && !(sampleRatio >= 0 && sampleRatio <= 1)) {
    throw new Error(
      `trace sampling ratio ${String(sampleRatio)} is outside [0, 1] — set OTEL_TRACES_SAMPLER_ARG to e.g. 0.1`,
    );
  }

  const httpServer = (nonEmpty(overrides.httpServer, env.TELEMETRY_HTTP_SERVER) ?? 'handler').toLowerCase();
  if (!(HTTP_SERVER_TRACING as readonly string[]).includes(httpServer)) {
    throw new Error(
      `TELEMETRY_HTTP_SERVER="${httpServer}" is not a mode — use ${HTTP_SERVER_TRACING.join(' or ')}`,
    );
  }

  const keySource = nonEmpty(overrides.pseudonymKey, env.TELEMETRY_PSEUDONYM_KEY);
  return {
    serviceName,
    serviceVersion,
    environment,
    logLevel: rawLevel as LogLevel,
    sampleRatio,
    // Without a configured key the pseudonyms are stable only for this process's lifetime.
    pseudonymKey: keySource ? Buffer.from(keySource) : randomBytes(32),
    prettyLogs: overrides.prettyLogs ?? (environment === 'development' && process.stdout.isTTY === true),
    httpServer: httpServer as HttpServerTracing,
    sdkDisabled: sdkDisabledByEnv(env),
  };
}

const pseudonyms = new WeakMap<Buffer, Map<string, string>>();

/**
 * A stable, non-reversible stand-in for a user id: HMAC-SHA256 under the service's pseudonym key.
 * Recent results are cached (an HMAC per request shows up in profiles).
 */
export function pseudonymize(userId: string | number, key: Buffer): string {
  const id = String(userId);
  let cache = pseudonyms.get(key);
  if (!cache) {
    cache = new Map();
    pseudonyms.set(key, cache);
  }
  let pseudonym = cache.get(id);
  if (pseudonym === undefined) {
    pseudonym = createHmac('sha256', key).update(id).digest('hex').slice(0, 24);
    if (cache.size >= 10_000) cache.clear();
    cache.set(id, pseudonym);
  }
  return pseudonym;
}
