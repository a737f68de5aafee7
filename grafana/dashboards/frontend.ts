// Frontend: Faro web vitals and JavaScript errors, read from Loki (Alloy's faro.receiver writes them
// as logfmt lines labelled app and kind).
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  kitDashboard,
  logs,
  logsLink,
  lokiQuery,
  timeSeries,
  tracesLink,
} from '@telemetry-kit/observability-config/panels';

const vitals = '{app="web", kind="measurement"} | logfmt | type="web-vitals"';
const exceptions = '{app="web", kind="exception"}';

function p75(vital: string): string {
  return `quantile_over_time(0.75, ${vitals} | ${vital}!="" | unwrap ${vital} [$__auto]) by (app)`;
}

export default kitDashboard('kit-frontend', 'Frontend', 'grafana/dashboards/frontend.ts')
  .withRow(new RowBuilder('Web vitals (p75)'))
  .withPanel(timeSeries('Largest contentful paint', 'ms', [lokiQuery(p75('lcp'), 'LCP')]).span(8))
  .withPanel(timeSeries('Interaction to next paint', 'ms', [lokiQuery(p75('inp'), 'INP')]).span(8))
  .withPanel(timeSeries('Cumulative layout shift', 'none', [lokiQuery(p75('cls'), 'CLS')]).span(8))
  .withPanel(timeSeries('First contentful paint', 'ms', [lokiQuery(p75('fcp'), 'FCP')]).span(12))
  .withPanel(timeSeries('Time to first byte', 'ms', [lokiQuery(p75('ttfb'), 'TTFB')]).span(12))
  .withRow(new RowBuilder('JavaScript errors'))
  .withPanel(
    timeSeries('Exceptions by type', 'short', [
      lokiQuery(`sum by (app, type) (count_over_time(${exceptions} | logfmt [$__auto]))`, '{{type}}'),
    ])
      .span(24)
      // The browser's spans carry service.name = the app, and its log lines the app label.
      .dataLinks([
        tracesLink('status = error', 'app'),
        logsLink(' | logfmt | kind="exception"', 'app', 'app'),
      ]),
  )
  .withPanel(logs('Exceptions (open a line for its trace)', lokiQuery(exceptions)));
