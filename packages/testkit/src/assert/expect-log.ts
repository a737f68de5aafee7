import type { LogLevel, TelemetryLogRecord, TelemetrySpan } from '../sink/model.ts';
import type { LogBackend, LogQuery, TraceBackend } from './backend.ts';
import type { ValueMatcher } from './match.ts';
import { describeMatchers, describeValue, listAtMost, matchesAll, matchesValue } from './match.ts';
import type { WaitOptions } from './poll.ts';
import { pollUntil, TelemetryAssertionError } from './poll.ts';

export interface LogExpectation {
  traceId?: string;
  service?: string;
  level?: LogLevel;
  message?: string | RegExp;
  /** Log attributes (OTLP) or the JSON line's own fields (stdout). */
  fields?: Record<string, ValueMatcher>;
  /** How many matching records there must be at least (default 1). */
  count?: number;
}

export interface ExpectLogOptions extends WaitOptions {
  /**
   * Values that must appear in none of the records of the same trace/service (passwords, tokens,
   * e-mail addresses): checked once the expected records are there. A failure names the secret by
   * its position in this list, never by its value.
   */
  secrets?: string[];
}

function describeLogExpectation(expectation: LogExpectation): string {
  const parts: string[] = [];
  if (expectation.traceId) parts.push(`trace_id=${expectation.traceId}`);
  if (expectation.service) parts.push(`service=${expectation.service}`);
  if (expectation.level) parts.push(`level=${expectation.level}`);
  if (expectation.message !== undefined) parts.push(`message=${describeValue(expectation.message)}`);
  if (expectation.fields) parts.push(`fields=${describeMatchers(expectation.fields)}`);
  return parts.join(' ') || '(any record)';
}

function describeRecord(record: TelemetryLogRecord, expectation: LogExpectation): string {
  const named = new Set(Object.keys(expectation.fields ?? {}));
  const fields = Object.entries(record.fields)
    .filter(([key]) => !['msg', 'message', 'level', 'time', 'trace_id', 'span_id', 'service'].includes(key))
    .map(([key, value]) => (named.has(key) ? `${key}=${JSON.stringify(value)}` : key));
  return `${record.service} ${record.level ?? '(no level)'} ${JSON.stringify(record.message)} trace_id=${
    record.traceId ?? '-'
  }${fields.length ? ` {${fields.join(', ')}}` : ''}`;
}

export function recordMatches(expectation: LogExpectation, record: TelemetryLogRecord): boolean {
  return (
    (expectation.traceId === undefined || record.traceId === expectation.traceId.toLowerCase()) &&
    (expectation.service === undefined || record.service === expectation.service) &&
    (expectation.level === undefined || record.level === expectation.level) &&
    (expectation.message === undefined || matchesValue(expectation.message, record.message)) &&
    matchesAll(expectation.fields, record.fields)
  );
}

/**
 * Waits until the backend holds the expected log records and returns them; with `secrets`, then
 * checks that none of those values appears in any record of the same trace or service.
 */
export async function expectLog(
  backend: LogBackend,
  expectation: LogExpectation,
  options: ExpectLogOptions = {},
): Promise<TelemetryLogRecord[]> {
  const count = expectation.count ?? 1;
  const query: LogQuery = {
    ...(expectation.traceId ? { traceId: expectation.traceId } : {}),
    ...(expectation.service ? { service: expectation.service } : {}),
  };
  const expected = `${count === 1 ? 'a log record' : `${count} log records`} in ${backend.description} with ${describeLogExpectation(expectation)}`;
  const matching = await pollUntil(
    expected,
    async () => {
      const records = await backend.findLogs(query);
      const found = records.filter((record) => recordMatches(expectation, record));
      if (found.length >= count) return { ok: true, value: found };
      return {
        ok: false,
        seen: `${found.length} matching of ${records.length} record(s)${records.length ? ':\n' : ''}${listAtMost(
          records.map((r) => describeRecord(r, expectation)),
          20,
        )}`,
      };
    },
    options,
  );
  if (options.secrets?.length) {
    assertNoSecrets(await backend.findLogs(query), [], options.secrets, backend.description);
  }
  return matching;
}

/** Where a secret was found: the record and the path inside it, never the value. */
function findSecret(value: unknown, secret: string, path: string): string | undefined {
  if (typeof value === 'string') return value.includes(secret) ? path : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value).includes(secret) ? path : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findSecret(item, secret, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes(secret)) return `${path}.<key>`;
      const found = findSecret(item, secret, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function assertNoSecrets(
  records: TelemetryLogRecord[],
  spans: TelemetrySpan[],
  secrets: string[],
  where: string,
): void {
  const leaks: string[] = [];
  secrets.forEach((secret, index) => {
    if (secret === '') return;
    const label = `secret #${index + 1} (${secret.length} characters)`;
    for (const record of records) {
      // Fields first: for a JSON line the body is the whole line, and the field names the leak better.
      const searched = {
        fields: record.fields,
        message: record.message,
        body: record.body,
        resource: record.resource,
      };
      const path = findSecret(searched, secret, 'record');
      if (path)
        leaks.push(
          `${label} in the log record of ${record.service} at ${path} (message ${JSON.stringify(record.message)})`,
        );
    }
    for (const span of spans) {
      const path = findSecret(span, secret, 'span');
      if (path) leaks.push(`${label} in span ${span.service} "${span.name}" at ${path}`);
    }
  });
  if (leaks.length > 0) {
    throw new TelemetryAssertionError(
      `expected none of ${secrets.length} secret value(s) in ${where}\nsaw ${leaks.length} leak(s):\n${listAtMost(leaks, 20)}`,
    );
  }
}

/**
 * Checks once (absence cannot be waited for: call it after expectTrace/expectLog have waited)
 * that none of `secrets` appears in the logs and, for a backend that also holds spans, the spans
 * of the query's trace or service.
 */
export async function expectNoSecrets(
  backend: LogBackend & Partial<TraceBackend>,
  secrets: string[],
  query: LogQuery = {},
): Promise<void> {
  const records = await backend.findLogs(query);
  const traces = backend.findTraces
    ? await backend.findTraces({
        ...(query.traceId ? { traceId: query.traceId } : {}),
        ...(query.service ? { services: [query.service] } : {}),
      })
    : [];
  assertNoSecrets(
    records,
    traces.flatMap((trace) => trace.spans),
    secrets,
    backend.description,
  );
}
