import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAlert } from '../assert/expect-alert.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedAlertmanagerContainer } from './alertmanager-container.ts';
import { AlertmanagerContainer } from './alertmanager-container.ts';

// A route that groups nothing and waits for nothing, so posted alerts are visible at once.
const CONFIG = `route:
  receiver: nobody
  group_wait: 0s
receivers:
  - name: nobody
`;

describeWithContainers('AlertmanagerContainer', { images: ['ALERTMANAGER_IMAGE'] }, () => {
  let alertmanager: StartedAlertmanagerContainer;

  beforeAll(async () => {
    alertmanager = await new AlertmanagerContainer().withConfig(CONFIG).start();
  });
  afterAll(async () => {
    await alertmanager?.stop();
  });

  it('is ready on its /-/ready endpoint and runs the given configuration', async () => {
    const status = (await (await fetch(`${alertmanager.url}/api/v2/status`)).json()) as {
      config: { original: string };
    };
    expect(status.config.original).toMatch(/receiver: nobody/);
  });

  it('expectAlert sees a posted alert as active, with its labels', async () => {
    await alertmanager.postAlerts([
      { labels: { alertname: 'ServiceDown', job: 'gateway', severity: 'critical' } },
    ]);
    const [alert] = await expectAlert(alertmanager, {
      alertname: 'ServiceDown',
      labels: { job: 'gateway' },
      state: 'active',
    });
    expect(alert?.labels.severity).toBe('critical');
  });

  it('expectAlert sees a silenced alert as suppressed', async () => {
    await alertmanager.postAlerts([{ labels: { alertname: 'HighErrorRate', job: 'rituals' } }]);
    await alertmanager.silence({ alertname: 'HighErrorRate' });
    await expectAlert(alertmanager, { alertname: 'HighErrorRate', state: 'suppressed' });
  });

  it('expectAlert fails with the state it expected and the alerts it saw', async () => {
    await alertmanager.postAlerts([{ labels: { alertname: 'LatencyHigh', job: 'marketplace' } }]);
    await expectAlert(alertmanager, { alertname: 'LatencyHigh', state: 'active' });
    await expect(
      expectAlert(
        alertmanager,
        { alertname: 'LatencyHigh', state: 'suppressed' },
        { timeout: 300, interval: 100 },
      ),
    ).rejects.toThrow(
      /expected alert \{alertname="LatencyHigh"\} in state suppressed in Alertmanager at http:.*\n\(waited 300 ms\)\nsaw 1 alert\(s\):\n\s+\{"alertname":"LatencyHigh","job":"marketplace"\} active/,
    );
  });

  it('expectAlert with state absent passes for an alert nobody fired, and fails for one that fired', async () => {
    await expectAlert(alertmanager, { alertname: 'NeverFired', state: 'absent' }, { timeout: 300 });
    await expect(
      expectAlert(
        alertmanager,
        { alertname: 'ServiceDown', state: 'absent' },
        { timeout: 300, interval: 100 },
      ),
    ).rejects.toThrow(/expected no alert \{alertname="ServiceDown"\}/);
  });
});
