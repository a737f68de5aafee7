import { afterAll, beforeAll, it } from 'vitest';
import { expectLog } from '../assert/expect-log.ts';
import { lokiBackend } from '../assert/stack-backends.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedLokiContainer } from './loki-container.ts';
import { LokiContainer } from './loki-container.ts';

describeWithContainers('LokiContainer', { images: ['LOKI_IMAGE'] }, () => {
  let loki: StartedLokiContainer;

  beforeAll(async () => {
    loki = await new LokiContainer().start();
  });
  afterAll(async () => {
    await loki?.stop();
  });

  it('stores a JSON line pushed as Alloy pushes it, which expectLog finds by trace id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const line = JSON.stringify({ level: 50, msg: 'purchase declined', trace_id: traceId });
    const response = await fetch(loki.pushUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          {
            stream: { service_name: 'marketplace' },
            // Alloy's stage.structured_metadata keeps trace_id beside the line.
            values: [[String(BigInt(Date.now()) * 1_000_000n), line, { trace_id: traceId }]],
          },
        ],
      }),
    });
    if (!response.ok) throw new Error(`push failed: ${response.status} ${await response.text()}`);
    await expectLog(
      lokiBackend(loki.url),
      { service: 'marketplace', traceId, level: 'error' },
      { timeout: 30_000 },
    );
  });

  it('finds a log record sent over OTLP, whose trace id Loki keeps only as structured metadata', async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    const response = await fetch(`${loki.url}/otlp/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'rituals' } }] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                    severityNumber: 17,
                    severityText: 'ERROR',
                    body: { stringValue: 'speech synthesis failed' },
                    traceId,
                    spanId: 'eee19b7ec3c1b174',
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    if (!response.ok) throw new Error(`OTLP push failed: ${response.status} ${await response.text()}`);
    await expectLog(lokiBackend(loki.url), { service: 'rituals', traceId }, { timeout: 30_000 });
  });
});
