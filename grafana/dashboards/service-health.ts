// Service health: RED per service from each service's /metrics, and the same from Tempo's span
// metrics, with exemplars that open the trace behind a point.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  jobVariable,
  kitDashboard,
  logsLink,
  promQuery,
  serviceMap,
  stat,
  timeSeries,
  traceqlQuery,
  traces,
  tracesLink,
} from '@telemetry-kit/observability-config/panels';

const requests = 'http_server_request_duration_seconds';

export default kitDashboard('kit-service-health', 'Service health', 'grafana/dashboards/service-health.ts')
  .withVariable(jobVariable())
  .withRow(new RowBuilder('Requests, errors, duration (service /metrics)'))
  .withPanel(stat('Services up', 'none', promQuery('sum(up{job=~"$job"})', 'up')).span(6))
  .withPanel(
    stat(
      '5xx ratio (range)',
      'percentunit',
      promQuery(
        `sum(increase(${requests}_count{job=~"$job", http_response_status_code=~"5.."}[$__range])) / sum(increase(${requests}_count{job=~"$job"}[$__range]))`,
        '5xx',
      ),
    ).span(6),
  )
  .withPanel(
    timeSeries('Request rate by service', 'reqps', [
      promQuery(`sum by (job) (rate(${requests}_count{job=~"$job"}[$__rate_interval]))`, '{{job}}'),
    ]).dataLinks([logsLink(), tracesLink()]),
  )
  .withPanel(
    timeSeries('5xx ratio by service', 'percentunit', [
      promQuery(
        `sum by (job) (rate(${requests}_count{job=~"$job", http_response_status_code=~"5.."}[$__rate_interval])) / sum by (job) (rate(${requests}_count{job=~"$job"}[$__rate_interval]))`,
        '{{job}}',
      ),
    ]).dataLinks([logsLink(' | json | level="error"'), tracesLink('status = error')]),
  )
  .withPanel(
    timeSeries('p95 duration by service and route', 's', [
      promQuery(
        `histogram_quantile(0.95, sum by (job, http_route, le) (rate(${requests}_bucket{job=~"$job"}[$__rate_interval])))`,
        '{{job}} {{http_route}}',
        { exemplar: true },
      ),
    ]).dataLinks([tracesLink('duration > 500ms')]),
  )
  .withPanel(
    timeSeries('Outgoing calls p95 by peer', 's', [
      promQuery(
        `histogram_quantile(0.95, sum by (job, server_address, le) (rate(http_client_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))`,
        '{{job}} → {{server_address}}',
        { exemplar: true },
      ),
    ]).dataLinks([tracesLink('kind = client')]),
  )
  .withRow(new RowBuilder('Span metrics (Tempo metrics-generator)'))
  .withPanel(
    timeSeries('Server span rate and errors', 'reqps', [
      promQuery(
        'sum by (service) (rate(traces_spanmetrics_calls_total{service=~"$job", span_kind="SPAN_KIND_SERVER"}[$__rate_interval]))',
        '{{service}} calls',
      ),
      promQuery(
        'sum by (service) (rate(traces_spanmetrics_calls_total{service=~"$job", span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_ERROR"}[$__rate_interval]))',
        '{{service}} errors',
        { refId: 'B' },
      ),
    ]).dataLinks([tracesLink('status = error', 'service'), logsLink('', 'service')]),
  )
  .withPanel(
    timeSeries('Server span p95 by operation', 's', [
      promQuery(
        'histogram_quantile(0.95, sum by (service, span_name, le) (rate(traces_spanmetrics_latency_bucket{service=~"$job", span_kind="SPAN_KIND_SERVER"}[$__rate_interval])))',
        '{{service}} {{span_name}}',
        { exemplar: true },
      ),
    ]).dataLinks([tracesLink('', 'service')]),
  )
  .withPanel(
    timeSeries('Service graph request rate', 'reqps', [
      promQuery(
        'sum by (client, server) (rate(traces_service_graph_request_total[$__rate_interval]))',
        '{{client}} → {{server}}',
      ),
    ]),
  )
  .withPanel(
    timeSeries('Service graph server p95', 's', [
      promQuery(
        'histogram_quantile(0.95, sum by (server, le) (rate(traces_service_graph_request_server_seconds_bucket[$__rate_interval])))',
        '{{server}}',
        { exemplar: true },
      ),
    ]),
  )
  .withPanel(serviceMap('Service map'))
  .withPanel(
    traces('Recent failed traces', traceqlQuery('{ resource.service.name =~ "$job" && status = error }')),
  )
  .withRow(new RowBuilder('Node runtime'))
  .withPanel(
    timeSeries('Event loop delay p99', 's', [
      promQuery('max by (job) (nodejs_eventloop_delay_p99_seconds{job=~"$job"})', '{{job}}'),
    ]),
  )
  .withPanel(
    timeSeries('V8 heap used', 'bytes', [
      promQuery('sum by (job) (v8js_memory_heap_used_bytes{job=~"$job"})', '{{job}}'),
    ]),
  )
  .withPanel(
    timeSeries('Telemetry dropped by the exporter', 'short', [
      promQuery(
        'sum by (job, signal) (rate(telemetry_export_dropped_total{job=~"$job"}[$__rate_interval]))',
        '{{job}} {{signal}}',
      ),
    ]),
  );
