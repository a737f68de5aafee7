import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMetric } from './expect-metric.ts';
import { parseExposition } from './exposition.ts';
import { metricsPageBackend } from './metric-backends.ts';
import { parseSelector } from './selector.ts';

// A /metrics page as @opentelemetry/exporter-prometheus writes one; the counter grows per scrape.
let scrapes = 0;
const page = () => `# HELP marketplace_purchases_total Purchases.
# TYPE marketplace_purchases_total counter
marketplace_purchases_total{outcome="completed"} ${scrapes}
marketplace_purchases_total{outcome="declined"} 1
# HELP http_server_request_duration_seconds Request duration.
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_route="/rituals",le="0.5"} 3
http_server_request_duration_seconds_bucket{http_route="/rituals",le="+Inf"} 4
http_server_request_duration_seconds_sum{http_route="/rituals"} 1.75
http_server_request_duration_seconds_count{http_route="/rituals"} 4
`;
const server = createServer((_request, response) => {
  scrapes += 1;
  response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(page());
});
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('expectMetric against a /metrics page', () => {
  it('waits until the selected series reaches the bound, re-reading the page each attempt', async () => {
    const [sample] = await expectMetric(
      metricsPageBackend(url),
      { query: 'marketplace_purchases_total{outcome="completed"}', value: { atLeast: 3 } },
      { interval: 20 },
    );
    expect(sample?.value).toBeGreaterThanOrEqual(3);
  });

  it('reads histograms as _bucket, _sum and _count series', async () => {
    await expectMetric(metricsPageBackend(url), {
      query: 'http_server_request_duration_seconds_count{http_route="/rituals"}',
      value: 4,
      series: 1,
    });
    await expectMetric(metricsPageBackend(url), {
      query: 'http_server_request_duration_seconds_bucket{le="+Inf"}',
      value: 4,
    });
  });

  it('fails with the query, the bound and the series seen', async () => {
    await expect(
      expectMetric(
        metricsPageBackend(url),
        { query: 'marketplace_purchases_total{outcome="declined"}', value: { atLeast: 5 } },
        { timeout: 200, interval: 50 },
      ),
    ).rejects.toThrow(
      /expected "marketplace_purchases_total\{outcome=\\"declined\\"\}" in the metrics page http:.* to return at least one series, each >= 5\n\(waited 200 ms\)\nsaw 1 series:\n\s+marketplace_purchases_total\{outcome="declined"\} 1/,
    );
  });

  it('fails with "no series" for a metric the page does not have', async () => {
    await expect(
      expectMetric(metricsPageBackend(url), { query: 'user_signups_total' }, { timeout: 100, interval: 50 }),
    ).rejects.toThrow(/saw no series/);
  });
});

describe('series selectors', () => {
  it('reads name and label matchers of every operator', () => {
    expect(parseSelector('up{job="gateway", instance!="a", route=~"/r.*", code!~"5.."}')).toEqual({
      name: 'up',
      matchers: [
        { label: 'job', op: '=', value: 'gateway' },
        { label: 'instance', op: '!=', value: 'a' },
        { label: 'route', op: '=~', value: '/r.*' },
        { label: 'code', op: '!~', value: '5..' },
      ],
    });
  });

  it('refuses PromQL beyond a selector, pointing at Prometheus', () => {
    expect(() => parseSelector('rate(http_requests_total[5m])')).toThrow(/need a Prometheus backend/);
  });
});

describe('exposition text', () => {
  it('reads every sample line as a series, keeping each histogram series apart', () => {
    const text = [
      '# TYPE h histogram',
      'h_bucket{route="/x",le="+Inf"} 4',
      'h_sum{route="/x"} 1.75',
      'h_count{route="/x"} 4',
      'h_bucket{route="/y",le="+Inf"} 1',
      'up 1 1767225600000',
    ].join('\n');
    expect(parseExposition(text)).toEqual([
      { name: 'h_bucket', labels: { route: '/x', le: '+Inf' }, value: 4 },
      { name: 'h_sum', labels: { route: '/x' }, value: 1.75 },
      { name: 'h_count', labels: { route: '/x' }, value: 4 },
      { name: 'h_bucket', labels: { route: '/y', le: '+Inf' }, value: 1 },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });

  it('reads escaped label values and special float values', () => {
    expect(parseExposition('m{path="C:\\\\dir",msg="say \\"hi\\"\\n"} +Inf\n')).toEqual([
      { name: 'm', labels: { path: 'C:\\dir', msg: 'say "hi"\n' }, value: Number.POSITIVE_INFINITY },
    ]);
  });

  it('names the line it cannot read', () => {
    expect(() => parseExposition('ok 1\nbroken{a="1" 2\n')).toThrow(/line 2: cannot read the labels/);
  });
});
