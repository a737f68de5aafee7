import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { logRecordsFromLoki, lokiBackend, traceFromTempo } from './stack-backends.ts';

// Response shapes as Tempo's and Loki's HTTP API documentation shows them; the containers' own
// tests (which need the images) read them from the real services.
describe('reading Tempo’s trace-by-id answer', () => {
  const span = (spanId: string, parentSpanId: string, name: string) => ({
    traceId: '5B8EFFF798038103D269B633813FC60C',
    spanId,
    parentSpanId,
    name,
    kind: 2,
    startTimeUnixNano: '1746259200000000000',
    endTimeUnixNano: '1746259200145000000',
    attributes: [{ key: 'http.status_code', value: { intValue: 201 } }],
    status: { code: 1 },
  });
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'order-service' } }] };

  it('reads the v1 `batches` shape, hex ids in either case', () => {
    const trace = traceFromTempo({
      batches: [
        {
          resource,
          scopeSpans: [
            {
              spans: [
                span('EEE19B7EC3C1B173', '', 'POST /orders'),
                span('EEE19B7EC3C1B174', 'EEE19B7EC3C1B173', 'db'),
              ],
            },
          ],
        },
      ],
    });
    expect(trace?.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(trace?.spans.map((s) => [s.service, s.name, s.parentSpanId ?? null, s.status.code])).toEqual([
      ['order-service', 'POST /orders', null, 'ok'],
      ['order-service', 'db', 'eee19b7ec3c1b173', 'ok'],
    ]);
    expect(trace?.spans[0]?.attributes).toEqual({ 'http.status_code': 201 });
  });

  it('reads the v2 `trace.resourceSpans` shape with base64 ids (protobuf JSON mapping)', () => {
    const traceId = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString('base64');
    const spanId = Buffer.from('eee19b7ec3c1b173', 'hex').toString('base64');
    const trace = traceFromTempo({
      trace: {
        resourceSpans: [{ resource, scopeSpans: [{ spans: [{ ...span(spanId, '', 'GET /'), traceId }] }] }],
      },
    });
    expect(trace?.spans[0]).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b173',
    });
  });
});

describe('reading Loki’s query_range answer', () => {
  it('parses JSON lines into records, taking the service from the stream labels', () => {
    const records = logRecordsFromLoki({
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          {
            stream: { service_name: 'gateway', level: 'info' },
            values: [
              [
                '1767225600000000000',
                JSON.stringify({ level: 30, msg: 'login', trace_id: '0af7651916cd43dd8448eb211c80319c' }),
              ],
              ['1767225601000000000', 'plain text line'],
            ],
          },
        ],
      },
    });
    expect(records).toEqual([
      expect.objectContaining({
        service: 'gateway',
        level: 'info',
        message: 'login',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        timeUnixNano: '1767225600000000000',
      }),
      // A line that is not JSON takes its level from the stream's label.
      expect.objectContaining({
        service: 'gateway',
        level: 'info',
        message: 'plain text line',
        traceId: undefined,
      }),
    ]);
  });
});

describe('finding log lines by trace id in Loki', () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  // An OTLP-ingested record: the line is the log body, the ids are structured metadata, which Loki
  // returns among the stream labels.
  const otlpAnswer = {
    status: 'success',
    data: {
      resultType: 'streams',
      result: [
        {
          stream: {
            service_name: 'checkout',
            trace_id: traceId,
            span_id: 'b7ad6b7169203331',
            detected_level: 'warn',
          },
          values: [['1767225600000000000', 'payment retried']],
        },
      ],
    },
  };

  async function withFakeLoki<T>(answer: unknown, use: (url: string, queries: string[]) => Promise<T>) {
    const queries: string[] = [];
    const server = createServer((request, response) => {
      queries.push(new URL(request.url ?? '/', 'http://loki').searchParams.get('query') ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries);
    } finally {
      server.close();
    }
  }

  it('asks for the trace id in structured metadata, not in the line', async () => {
    await withFakeLoki(otlpAnswer, async (url, queries) => {
      await lokiBackend(url).findLogs({ service: 'checkout', traceId: traceId.toUpperCase() });
      expect(queries).toEqual([`{service_name="checkout"} | trace_id="${traceId}"`]);
    });
  });

  it('finds an OTLP-ingested line, whose body does not contain its trace id', async () => {
    const found = await withFakeLoki(otlpAnswer, (url) =>
      lokiBackend(url).findLogs({ service: 'checkout', traceId }),
    );
    expect(found).toEqual([
      expect.objectContaining({
        service: 'checkout',
        message: 'payment retried',
        traceId,
        spanId: 'b7ad6b7169203331',
        level: 'warn',
      }),
    ]);
  });

  it('reads structured metadata given beside each line (categorised labels)', () => {
    const [record] = logRecordsFromLoki({
      data: {
        resultType: 'streams',
        result: [
          {
            stream: { service_name: 'checkout' },
            values: [
              ['1767225600000000000', 'payment retried', { structuredMetadata: { trace_id: traceId } }],
            ],
          },
        ],
      },
    });
    expect(record?.traceId).toBe(traceId);
  });
});
