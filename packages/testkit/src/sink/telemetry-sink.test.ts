import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Encoding } from '../../test/helpers/otel-clients.ts';
import { serviceClient } from '../../test/helpers/otel-clients.ts';
import { TelemetrySink } from './telemetry-sink.ts';

let sink: TelemetrySink;

beforeAll(async () => {
  sink = await TelemetrySink.start();
});
afterEach(() => sink.clear());
afterAll(async () => {
  await sink.stop();
});

describe.each<Encoding>(['protobuf', 'json'])('the telemetry sink receiving OTLP/HTTP %s', (encoding) => {
  it('decodes spans: service, name, kind, status, typed attributes, parent and trace ids', async () => {
    const client = serviceClient('gateway', sink.endpoints, encoding);
    const parent = client.tracer.startSpan('POST /rituals', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.route': '/rituals',
        'http.response.status_code': 201,
        ratio: 0.5,
        cached: false,
        tags: ['a', 'b'],
      },
    });
    const child = client.child(parent, 'generate ritual');
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'llm timeout' });
    child.end();
    parent.end();
    await client.flush();
    await client.shutdown();

    const spans = sink.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /rituals', 'generate ritual']);
    const server = spans.find((s) => s.name === 'POST /rituals');
    const inner = spans.find((s) => s.name === 'generate ritual');
    expect(server).toMatchObject({
      service: 'gateway',
      kind: 'server',
      traceId: parent.spanContext().traceId,
      spanId: parent.spanContext().spanId,
      parentSpanId: undefined,
      attributes: {
        'http.route': '/rituals',
        'http.response.status_code': 201,
        ratio: 0.5,
        cached: false,
        tags: ['a', 'b'],
      },
      resource: { 'service.name': 'gateway', 'deployment.environment.name': 'test' },
    });
    expect(inner).toMatchObject({
      traceId: parent.spanContext().traceId,
      parentSpanId: parent.spanContext().spanId,
      kind: 'internal',
      status: { code: 'error', message: 'llm timeout' },
    });
    expect(BigInt(server?.endTimeUnixNano ?? 0)).toBeGreaterThanOrEqual(
      BigInt(server?.startTimeUnixNano ?? 1),
    );
  });

  it('decodes log records: level, body, attributes and the trace context they were emitted in', async () => {
    const client = serviceClient('rituals', sink.endpoints, encoding);
    const span = client.tracer.startSpan('generate ritual');
    client.log('warn', 'llm slow', { 'llm.model': 'emulator', attempt: 2 }, span);
    client.log('info', 'no context');
    span.end();
    await client.flush();
    await client.shutdown();

    const [withContext, without] = sink.logs();
    expect(withContext).toMatchObject({
      service: 'rituals',
      level: 'warn',
      message: 'llm slow',
      fields: { 'llm.model': 'emulator', attempt: 2 },
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
    expect(without).toMatchObject({ level: 'info', message: 'no context', traceId: undefined });
    expect(Number(withContext?.timeUnixNano)).toBeGreaterThan(0);
  });
});

describe('the telemetry sink', () => {
  it('accepts gzip-compressed exports', async () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'compressed',
                  kind: 2,
                  startTimeUnixNano: '1544712660000000000',
                  endTimeUnixNano: '1544712661000000000',
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(sink.endpoints.traces, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    expect(response.status).toBe(200);
    expect(sink.spans()).toEqual([
      expect.objectContaining({
        name: 'compressed',
        traceId: '5b8efff798038103d269b633813fc60c',
        kind: 'server',
      }),
    ]);
  });

  it('decodes OTLP/JSON metrics into samples selectable by name and labels', async () => {
    // The OTLP/JSON shape from the OTLP specification: a sum and a histogram.
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'marketplace' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'marketplace.purchases',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      { asInt: '3', attributes: [{ key: 'outcome', value: { stringValue: 'completed' } }] },
                      { asInt: '1', attributes: [{ key: 'outcome', value: { stringValue: 'declined' } }] },
                    ],
                  },
                },
                {
                  name: 'http.server.request.duration',
                  unit: 's',
                  histogram: {
                    dataPoints: [{ count: '4', sum: 0.25, bucketCounts: ['4'], explicitBounds: [] }],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(sink.endpoints.metrics, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(await sink.samples('marketplace.purchases{outcome="completed"}')).toEqual([
      { name: 'marketplace.purchases', labels: { service: 'marketplace', outcome: 'completed' }, value: 3 },
    ]);
    expect((await sink.samples('http.server.request.duration_count')).map((s) => s.value)).toEqual([4]);
  });

  it('answers an unsupported content type with 415 and keeps the reason', async () => {
    const response = await fetch(sink.endpoints.traces, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(response.status).toBe(415);
    expect(sink.rejected).toEqual([
      expect.objectContaining({
        path: '/v1/traces',
        status: 415,
        reason: expect.stringMatching(/application\/x-protobuf/),
      }),
    ]);
  });

  it('answers a body that is not OTLP protobuf with 400, naming the signal', async () => {
    const response = await fetch(sink.endpoints.logs, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]),
    });
    expect(response.status).toBe(400);
    expect(sink.rejected[0]?.reason).toMatch(/could not decode OTLP protobuf logs/);
  });

  it('reads JSON log lines (pino shape) as log records, skipping lines that are not JSON', () => {
    const line = JSON.stringify({
      level: 50,
      time: 1_767_225_600_000,
      msg: 'purchase declined',
      trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736',
      span_id: '00f067aa0ba902b7',
      service: 'marketplace',
      listing_id: 'l-1',
    });
    expect(sink.recordLogLine(line)).toBe(true);
    expect(sink.recordLogLine('    at Object.<anonymous> (/app/x.js:1:1)')).toBe(false);
    expect(sink.logs()).toEqual([
      expect.objectContaining({
        service: 'marketplace',
        level: 'error',
        message: 'purchase declined',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        timeUnixNano: '1767225600000000000',
        fields: expect.objectContaining({ listing_id: 'l-1' }),
      }),
    ]);
  });

  it('listens on loopback only, on a port of its own', () => {
    expect(sink.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sink.otlpEnv()).toEqual({
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    });
  });
});
