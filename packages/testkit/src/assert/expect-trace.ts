import type { SpanKind, TelemetrySpan, TelemetryTrace } from '../sink/model.ts';
import type { TraceBackend } from './backend.ts';
import type { ValueMatcher } from './match.ts';
import { describeMatchers, describeValue, listAtMost, matchesAll, matchesValue } from './match.ts';
import type { WaitOptions } from './poll.ts';
import { DEFAULT_INTERVAL, DEFAULT_TIMEOUT, pollUntil, sleep } from './poll.ts';

/** One span the trace must contain. */
export interface SpanExpectation {
  /** A name for this span that other expectations refer to as their `parent`. */
  as?: string;
  /** The emitting resource's service.name. */
  service?: string;
  name?: string | RegExp;
  kind?: SpanKind;
  status?: 'unset' | 'ok' | 'error';
  attributes?: Record<string, ValueMatcher>;
  /** The `as` of the span that must be this span's direct parent; `null` for a root span. */
  parent?: string | null;
}

export interface TraceExpectation {
  /** Look only at this trace (hex). */
  traceId?: string;
  /** Spans that must all be in one trace, each matched by a different span. */
  spans: SpanExpectation[];
}

export interface ExpectTraceOptions extends WaitOptions {
  /**
   * Once matched, the trace must stop growing for this long (ms, default 500) before it is
   * returned, so the result holds the spans that were still being exported.
   */
  settle?: number;
}

export interface MatchedTrace extends TelemetryTrace {
  /** The span matched by each expectation, by its `as` (or its index when it has none). */
  matched: Record<string, TelemetrySpan>;
}

function describeSpanExpectation(expectation: SpanExpectation): string {
  const parts: string[] = [];
  if (expectation.as) parts.push(`${expectation.as}:`);
  if (expectation.service !== undefined) parts.push(`service=${expectation.service}`);
  if (expectation.name !== undefined) parts.push(`name=${describeValue(expectation.name)}`);
  if (expectation.kind) parts.push(`kind=${expectation.kind}`);
  if (expectation.status) parts.push(`status=${expectation.status}`);
  if (expectation.attributes) parts.push(`attributes=${describeMatchers(expectation.attributes)}`);
  if (expectation.parent !== undefined) parts.push(`parent=${expectation.parent ?? '(root)'}`);
  return parts.join(' ') || '(any span)';
}

function describeSpan(span: TelemetrySpan, expectations: SpanExpectation[]): string {
  // Attribute values are shown only for keys an expectation names: others may hold data a
  // failure message has no business printing.
  const named = new Set(expectations.flatMap((e) => Object.keys(e.attributes ?? {})));
  const attributes = Object.entries(span.attributes).map(([key, value]) =>
    named.has(key) ? `${key}=${JSON.stringify(value)}` : key,
  );
  const parent = span.parentSpanId ? `parent ${span.parentSpanId}` : 'root';
  return `${span.service} "${span.name}" [${span.kind}, ${span.status.code}] ${span.spanId} (${parent})${
    attributes.length ? ` {${attributes.join(', ')}}` : ''
  }`;
}

function spanMatches(expectation: SpanExpectation, span: TelemetrySpan): boolean {
  return (
    (expectation.service === undefined || span.service === expectation.service) &&
    (expectation.name === undefined || matchesValue(expectation.name, span.name)) &&
    (expectation.kind === undefined || span.kind === expectation.kind) &&
    (expectation.status === undefined || span.status.code === expectation.status) &&
    (expectation.parent !== null || span.parentSpanId === undefined) &&
    matchesAll(expectation.attributes, span.attributes)
  );
}

function keyOf(expectation: SpanExpectation, index: number): string {
  return expectation.as ?? String(index);
}

/**
 * Assigns each expectation a distinct span so that every parent link holds; undefined when no
 * assignment exists. Backtracking is fine: a test names a handful of spans.
 */
export function matchTrace(trace: TelemetryTrace, expectations: SpanExpectation[]): MatchedTrace | undefined {
  const candidates = expectations.map((e) => trace.spans.filter((span) => spanMatches(e, span)));
  const chosen: TelemetrySpan[] = [];
  const used = new Set<TelemetrySpan>();
  const byAs = (name: string) => expectations.findIndex((e) => e.as === name);
  const linksHold = () =>
    expectations.every((e, i) => {
      if (typeof e.parent !== 'string') return true;
      const parent = chosen[byAs(e.parent)];
      return parent !== undefined && chosen[i]?.parentSpanId === parent.spanId;
    });
  const assign = (index: number): boolean => {
    if (index === expectations.length) return linksHold();
    for (const span of candidates[index] ?? []) {
      if (used.has(span)) continue;
      used.add(span);
      chosen[index] = span;
      if (assign(index + 1)) return true;
      used.delete(span);
    }
    return false;
  };
  if (!assign(0)) return undefined;
  const matched: Record<string, TelemetrySpan> = {};
  expectations.forEach((e, i) => {
    const span = chosen[i];
    if (span) matched[keyOf(e, i)] = span;
  });
  return { ...trace, matched };
}

/** What the closest trace lacked, for the failure message. */
function closestMiss(traces: TelemetryTrace[], expectations: SpanExpectation[]): string {
  if (traces.length === 0) return 'no spans at all';
  let best = { trace: traces[0] as TelemetryTrace, found: -1, missing: [] as string[] };
  for (const trace of traces) {
    const missing = expectations
      .filter((e) => !trace.spans.some((span) => spanMatches(e, span)))
      .map(describeSpanExpectation);
    const found = expectations.length - missing.length;
    if (found > best.found) best = { trace, found, missing };
  }
  const reason =
    best.missing.length > 0
      ? `no span matches:\n${listAtMost(best.missing, 10, '    ')}`
      : 'every span has a candidate, but no assignment satisfies the parent links';
  return (
    `${traces.length} trace(s); the closest, ${best.trace.traceId}, matches ${best.found} of ${expectations.length} span expectations — ${reason}\n` +
    `  its ${best.trace.spans.length} span(s):\n${listAtMost(
      best.trace.spans.map((span) => describeSpan(span, expectations)),
      20,
      '    ',
    )}`
  );
}

function validate(expectation: TraceExpectation): void {
  const names = expectation.spans.map((e) => e.as).filter((name) => name !== undefined);
  for (const e of expectation.spans) {
    if (typeof e.parent === 'string' && !names.includes(e.parent)) {
      throw new Error(
        `span expectation ${describeSpanExpectation(e)} names parent "${e.parent}", which no expectation has as its \`as\``,
      );
    }
  }
}

/**
 * Waits until the backend holds one trace containing every expected span (across services, with
 * the parent links asked for), then until that trace stops growing; returns it with the matched
 * spans. Fails with the expectations and the closest trace seen.
 */
export async function expectTrace(
  backend: TraceBackend,
  expectation: TraceExpectation,
  options: ExpectTraceOptions = {},
): Promise<MatchedTrace> {
  validate(expectation);
  const services = [...new Set(expectation.spans.map((e) => e.service).filter((s) => s !== undefined))];
  const query = {
    ...(expectation.traceId ? { traceId: expectation.traceId } : {}),
    ...(services.length ? { services } : {}),
  };
  const expected = `a trace in ${backend.description}${expectation.traceId ? ` with id ${expectation.traceId}` : ''} with spans:\n${listAtMost(
    expectation.spans.map(describeSpanExpectation),
    20,
  )}`;
  const first = await pollUntil(
    expected,
    async () => {
      const traces = await backend.findTraces(query);
      for (const trace of traces) {
        const matched = matchTrace(trace, expectation.spans);
        if (matched) return { ok: true, value: matched };
      }
      return { ok: false, seen: closestMiss(traces, expectation.spans) };
    },
    options,
  );
  return settle(backend, first, expectation.spans, options);
}

async function settle(
  backend: TraceBackend,
  first: MatchedTrace,
  expectations: SpanExpectation[],
  options: ExpectTraceOptions,
): Promise<MatchedTrace> {
  const quiet = options.settle ?? 500;
  const interval = Math.min(options.interval ?? DEFAULT_INTERVAL, Math.max(quiet, 1));
  const deadline = Date.now() + quiet + (options.timeout ?? DEFAULT_TIMEOUT);
  let current = first;
  let size = first.spans.length;
  let stableSince = Date.now();
  while (Date.now() - stableSince < quiet && Date.now() < deadline) {
    await sleep(interval);
    const [latest] = await backend.findTraces({ traceId: first.traceId });
    if (latest && latest.spans.length !== size) {
      size = latest.spans.length;
      current = matchTrace(latest, expectations) ?? current;
      stableSince = Date.now();
    }
  }
  return current;
}
