import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TESTKIT_PROJECT } from '../alloy/alloy-container.ts';
import { expectLog } from '../assert/expect-log.ts';
import { expectMetric } from '../assert/expect-metric.ts';
import { expectTrace } from '../assert/expect-trace.ts';
import { metricsPageBackend } from '../assert/metric-backends.ts';
import { TelemetrySink } from '../sink/telemetry-sink.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedServiceContainer } from './service-container.ts';
import { ServiceContainer } from './service-container.ts';

const WORKSPACE = path.join(import.meta.dirname, '../../test/fixtures/workspace');

describeWithContainers('ServiceContainer.fromWorkspace', { images: ['NODE_IMAGE'] }, () => {
  let echo: StartedServiceContainer;
  let image: string;
  // Listening beyond loopback: the container reaches the sink through Docker's host gateway.
  const sink = TelemetrySink.start({ host: '0.0.0.0' });

  beforeAll(async () => {
    const container = await ServiceContainer.fromWorkspace('echo', { root: WORKSPACE });
    image = container.image;
    echo = await container.withTelemetrySink(await sink, 'http/json').start();
    // The service's stdout, read the way Alloy reads container logs.
    void (await sink).captureLogLines(await echo.logs(), { service: 'echo' });
  });
  afterAll(async () => {
    await echo?.stop();
    await (await sink).stop();
  });

  it('builds the service with the workspace root as context, so workspace packages are in the image', async () => {
    const response = await fetch(`${echo.url}/greet?name=testkit`);
    expect(await response.text()).toBe('hello, testkit');
  });

  it('labels its container as the testkit’s compose project, never the dev stack’s', async () => {
    const container = (await ServiceContainer.fromWorkspace('echo', { root: WORKSPACE })).withComposeLabels();
    const labels = (container as unknown as { createOpts: { Labels?: Record<string, string> } }).createOpts
      .Labels;
    expect(labels?.['com.docker.compose.project']).toBe(TESTKIT_PROJECT);
    expect(labels?.['com.docker.compose.service']).toBe('echo');
  });

  it('names the image by a content hash of its inputs and builds it once per run', async () => {
    expect(image).toMatch(/^telemetry-kit\/echo:[0-9a-f]{16}$/);
    const again = await ServiceContainer.fromWorkspace('echo', { root: WORKSPACE });
    expect(again.image).toBe(image);
  });

  it('serves /metrics for expectMetric', async () => {
    await fetch(`${echo.url}/greet`);
    await expectMetric(metricsPageBackend(echo.metricsUrl), {
      query: 'echo_greetings_total',
      value: { atLeast: 1 },
    });
  });

  it('exports its spans to a TelemetrySink in the test process', async () => {
    const traceId = '6e0c63257de34c92bf9efcd03927272e';
    await fetch(`${echo.url}/greet`, { headers: { 'x-trace-id': traceId } });
    await expectTrace(await sink, {
      traceId,
      spans: [{ service: 'echo', name: 'GET /greet', kind: 'server' }],
    });
  });

  it('its stdout JSON lines reach the sink for expectLog', async () => {
    await fetch(`${echo.url}/greet`, { headers: { 'x-trace-id': '0af7651916cd43dd8448eb211c80319c' } });
    await expectLog(await sink, {
      service: 'echo',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      level: 'info',
      message: 'greeted',
    });
  });
});
