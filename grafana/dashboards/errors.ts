// Errors: top fingerprints over the range, fingerprints new in the range, error rate by severity.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  jobVariable,
  kitDashboard,
  LOKI_SERVICE_LABEL,
  logs,
  logsLink,
  lokiQuery,
  promQuery,
  table,
  timeSeries,
  tracesLink,
} from '@telemetry-kit/observability-config/panels';

const fingerprintLogs = ` | json | fingerprint="\${__field.labels.fingerprint}"`;

export default kitDashboard('kit-errors', 'Errors', 'grafana/dashboards/errors.ts')
  .withVariable(jobVariable())
  .withRow(new RowBuilder('Fingerprints'))
  .withPanel(
    table(
      'Top fingerprints (range)',
      promQuery(
        'topk(10, sum by (job, fingerprint, error_type, severity) (increase(app_errors_total{job=~"$job"}[$__range])))',
        '',
        {
          instant: true,
          table: true,
        },
      ),
    ).dataLinks([logsLink(fingerprintLogs), tracesLink('status = error')]),
  )
  .withPanel(
    table(
      'New fingerprints (not seen before the range)',
      promQuery(
        'group by (job, fingerprint, error_type) (app_errors_total{job=~"$job"}) unless on (job, fingerprint) group by (job, fingerprint) (app_errors_total{job=~"$job"} offset $__range)',
        '',
        { instant: true, table: true },
      ),
    ).dataLinks([logsLink(fingerprintLogs)]),
  )
  .withRow(new RowBuilder('Rate'))
  .withPanel(
    timeSeries('Errors by service and severity', 'short', [
      promQuery(
        'sum by (job, severity) (rate(app_errors_total{job=~"$job"}[$__rate_interval]))',
        '{{job}} {{severity}}',
      ),
    ])
      .span(24)
      .dataLinks([logsLink(' | json | level="error"'), tracesLink('status = error')]),
  )
  .withPanel(
    logs('Error log lines', lokiQuery(`{${LOKI_SERVICE_LABEL}=~"$job"} | json | level=~"error|fatal"`)),
  );
