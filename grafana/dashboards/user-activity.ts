// User activity: sign-ups, logins and active sessions (gateway).
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  kitDashboard,
  logsLink,
  promQuery,
  stat,
  timeSeries,
  tracesLink,
} from '@telemetry-kit/observability-config/panels';

export default kitDashboard('kit-user-activity', 'User activity', 'grafana/dashboards/user-activity.ts')
  .withRow(new RowBuilder('Overview'))
  .withPanel(stat('Active sessions', 'none', promQuery('sum(user_sessions_active)', 'sessions')))
  .withPanel(
    stat(
      'Sign-ups (range)',
      'none',
      promQuery('sum(increase(user_signups_total{outcome="created"}[$__range]))', 'created'),
    ),
  )
  .withPanel(
    stat(
      'Logins (range)',
      'none',
      promQuery('sum(increase(user_logins_total{outcome="success"}[$__range]))', 'success'),
    ),
  )
  .withPanel(
    stat(
      'Failed login ratio (range)',
      'percentunit',
      promQuery(
        'sum(increase(user_logins_total{outcome="failure"}[$__range])) / sum(increase(user_logins_total[$__range]))',
        'failure',
      ),
    ),
  )
  .withRow(new RowBuilder('Over time'))
  .withPanel(
    timeSeries('Sign-ups by outcome', 'short', [
      promQuery('sum by (job, outcome) (rate(user_signups_total[$__rate_interval]))', '{{outcome}}'),
    ]).dataLinks([logsLink(' | json | msg=~"(?i)sign.?up"'), tracesLink('name =~ "(?i).*sign.?up.*"')]),
  )
  .withPanel(
    timeSeries('Logins by outcome', 'short', [
      promQuery('sum by (job, outcome) (rate(user_logins_total[$__rate_interval]))', '{{outcome}}'),
    ]).dataLinks([logsLink(' | json | msg=~"(?i)log.?in"'), tracesLink('name =~ "(?i).*login.*"')]),
  )
  .withPanel(
    timeSeries('Failed logins by reason, refused logins by limit', 'short', [
      promQuery(
        'sum by (job, reason) (rate(gateway_login_failures_total[$__rate_interval]))',
        'failed: {{reason}}',
      ),
      promQuery(
        'sum by (job, scope) (rate(gateway_login_throttled_total[$__rate_interval]))',
        'refused (429): {{scope}} limit',
        { refId: 'B' },
      ),
    ]).dataLinks([tracesLink('name =~ "(?i).*login.*" && span.http.response.status_code >= 400')]),
  )
  .withPanel(
    timeSeries('Active sessions', 'none', [promQuery('sum by (job) (user_sessions_active)', '{{job}}')]).span(
      24,
    ),
  );
