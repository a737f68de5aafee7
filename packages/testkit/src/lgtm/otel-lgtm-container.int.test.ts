import { afterAll, beforeAll, it } from 'vitest';
import { serviceClient } from '../../test/helpers/otel-clients.ts';
import { expectLog } from '../assert/expect-log.ts';
import { expectTrace } from '../assert/expect-trace.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedOtelLgtmContainer } from './otel-lgtm-container.ts';
import { OtelLgtmContainer } from './otel-lgtm-container.ts';

describeWithContainers('OtelLgtmContainer (the light option)', { images: ['OTEL_LGTM_IMAGE'] }, () => {
  let lgtm: StartedOtelLgtmContainer;

  beforeAll(async () => {
    lgtm = await new OtelLgtmContainer().start();
  });
  afterAll(async () => {
    await lgtm?.stop();
  });

  it('takes OTLP traces and logs, which the same assertions find in its Tempo and Loki', async () => {
    const client = serviceClient(
      'gateway',
      { traces: `${lgtm.otlpHttpUrl}/v1/traces`, logs: `${lgtm.otlpHttpUrl}/v1/logs` },
      'protobuf',
    );
    const span = client.tracer.startSpan('POST /rituals');
    client.log('info', 'ritual requested', {}, span);
    span.end();
    await client.shutdown();
    const traceId = span.spanContext().traceId;
    await expectTrace(
      lgtm.backend(),
      { traceId, spans: [{ service: 'gateway', name: 'POST /rituals' }] },
      { timeout: 60_000, interval: 1000 },
    );
    await expectLog(lgtm.backend(), { service: 'gateway', traceId }, { timeout: 60_000, interval: 1000 });
  });
});
