import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceClient } from '../../test/helpers/otel-clients.ts';
import { TelemetrySink } from '../sink/telemetry-sink.ts';
import { expectLog, expectNoSecrets } from './expect-log.ts';

let sink: TelemetrySink;
beforeAll(async () => {
  sink = await TelemetrySink.start();
});
beforeEach(() => sink.clear());
afterAll(async () => {
  await sink.stop();
});

const PASSWORD = 'correct-horse-battery';
const TOKEN = 'sk-test-0123456789';

describe('expectLog', () => {
  it('finds records by trace id, level and fields (OTLP logs)', async () => {
    const gateway = serviceClient('gateway', sink.endpoints, 'protobuf');
    const span = gateway.tracer.startSpan('POST /login');
    gateway.log('warn', 'login failed', { 'user.id': 'u-42', reason: 'bad password' }, span);
    gateway.log('info', 'unrelated');
    span.end();
    await gateway.shutdown();
    const traceId = span.spanContext().traceId;

    const [record] = await expectLog(sink, { traceId, level: 'warn', fields: { reason: 'bad password' } });
    expect(record?.message).toBe('login failed');
  });

  it('finds records among JSON lines captured from stdout', async () => {
    sink.recordLogLine(
      JSON.stringify({ level: 30, msg: 'listing created', service: 'marketplace', listing_id: 'l-7' }),
    );
    const records = await expectLog(sink, {
      service: 'marketplace',
      level: 'info',
      message: /listing/,
      fields: { listing_id: 'l-7' },
    });
    expect(records).toHaveLength(1);
  });

  it('fails listing what was expected and the records seen', async () => {
    sink.recordLogLine(JSON.stringify({ level: 30, msg: 'listing created', service: 'marketplace' }));
    await expect(
      expectLog(
        sink,
        { service: 'marketplace', level: 'error', message: 'purchase declined' },
        { timeout: 300, interval: 50 },
      ),
    ).rejects.toThrow(
      /expected a log record in the telemetry sink at .* with service=marketplace level=error message="purchase declined"\n\(waited 300 ms\)\nsaw 0 matching of 1 record\(s\):\n\s+marketplace info "listing created"/,
    );
  });

  it('passes the secrets check when no record of the trace holds a secret', async () => {
    const gateway = serviceClient('gateway', sink.endpoints, 'json');
    const span = gateway.tracer.startSpan('POST /signup');
    gateway.log('info', 'user signed up', { 'user.id': 'u-1' }, span);
    span.end();
    await gateway.shutdown();
    await expectLog(
      sink,
      { traceId: span.spanContext().traceId, level: 'info' },
      { secrets: [PASSWORD, TOKEN] },
    );
  });

  it('fails when a record holds a secret, naming the secret by position, never by value', async () => {
    const gateway = serviceClient('gateway', sink.endpoints, 'json');
    const span = gateway.tracer.startSpan('POST /signup');
    gateway.log('info', 'user signed up', { 'request.body': `{"password":"${PASSWORD}"}` }, span);
    span.end();
    await gateway.shutdown();
    const failure = expectLog(
      sink,
      { traceId: span.spanContext().traceId, level: 'info' },
      { secrets: [TOKEN, PASSWORD], timeout: 300 },
    );
    await expect(failure).rejects.toThrow(
      /secret #2 \(21 characters\) in the log record of gateway at record\.fields\.request\.body/,
    );
    const message = await failure.catch((error: Error) => error.message);
    expect(message, 'the failure message must not repeat the secret').not.toContain(PASSWORD);
  });
});

describe('expectNoSecrets', () => {
  it('looks in spans as well as logs', async () => {
    const gateway = serviceClient('gateway', sink.endpoints, 'protobuf');
    gateway.tracer
      .startSpan('POST /login', { attributes: { 'http.request.header.authorization': `Bearer ${TOKEN}` } })
      .end();
    await gateway.shutdown();
    await expect(expectNoSecrets(sink, [TOKEN])).rejects.toThrow(
      /secret #1 \(18 characters\) in span gateway "POST \/login" at span\.attributes\.http\.request\.header\.authorization/,
    );
  });

  it('names the field of a stdout JSON line that holds a secret', async () => {
    sink.recordLogLine(
      JSON.stringify({ level: 30, msg: 'login', service: 'gateway', authorization: `Bearer ${TOKEN}` }),
    );
    await expect(expectNoSecrets(sink, [TOKEN])).rejects.toThrow(
      /secret #1 \(18 characters\) in the log record of gateway at record\.fields\.authorization/,
    );
  });

  it('passes when the secrets appear nowhere', async () => {
    const gateway = serviceClient('gateway', sink.endpoints, 'protobuf');
    gateway.tracer.startSpan('POST /login', { attributes: { 'user.id': 'u-1' } }).end();
    await gateway.shutdown();
    await expectNoSecrets(sink, [TOKEN, PASSWORD]);
  });
});
