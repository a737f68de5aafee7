import { listAtMost } from './match.ts';
import type { WaitOptions } from './poll.ts';
import { pollUntil } from './poll.ts';

/** Alertmanager v2 alert states, plus `absent` for "Alertmanager has no such alert". */
export type AlertState = 'active' | 'suppressed' | 'unprocessed' | 'absent';

export interface AlertExpectation {
  alertname: string;
  /** Further labels the alert must carry (exact values). */
  labels?: Record<string, string>;
  state: AlertState;
}

/** An alert as Alertmanager's GET /api/v2/alerts returns it (the fields the testkit reads). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  status: { state: Exclude<AlertState, 'absent'>; silencedBy: string[]; inhibitedBy: string[] };
}

function filterFor(expectation: AlertExpectation): string[] {
  const labels = { alertname: expectation.alertname, ...expectation.labels };
  return Object.entries(labels).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
}

/** Alerts matching the expectation's labels, in every state (active, silenced, inhibited, unprocessed). */
export async function alertsMatching(
  alertmanagerUrl: string,
  expectation: Pick<AlertExpectation, 'alertname' | 'labels'>,
): Promise<AlertmanagerAlert[]> {
  const params = new URLSearchParams({
    active: 'true',
    silenced: 'true',
    inhibited: 'true',
    unprocessed: 'true',
  });
  for (const filter of filterFor({ ...expectation, state: 'active' })) params.append('filter', filter);
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?${params}`);
  if (!response.ok) {
    throw new Error(
      `GET ${alertmanagerUrl}/api/v2/alerts answered ${response.status}: ${await response.text()}`,
    );
  }
  return (await response.json()) as AlertmanagerAlert[];
}

/**
 * Waits until Alertmanager shows the alert in the expected state (or, for `absent`, shows no such
 * alert); returns the matching alerts.
 */
export async function expectAlert(
  alertmanager: string | { url: string },
  expectation: AlertExpectation,
  options: WaitOptions = {},
): Promise<AlertmanagerAlert[]> {
  const url = typeof alertmanager === 'string' ? alertmanager : alertmanager.url;
  const selector = `{${filterFor(expectation).join(', ')}}`;
  const expected =
    expectation.state === 'absent'
      ? `no alert ${selector} in Alertmanager at ${url}`
      : `alert ${selector} in state ${expectation.state} in Alertmanager at ${url}`;
  return pollUntil(
    expected,
    async () => {
      const alerts = await alertsMatching(url, expectation);
      const ok =
        expectation.state === 'absent'
          ? alerts.length === 0
          : alerts.length > 0 && alerts.every((alert) => alert.status.state === expectation.state);
      if (ok) return { ok: true, value: alerts };
      return {
        ok: false,
        seen:
          alerts.length === 0
            ? 'no such alert'
            : `${alerts.length} alert(s):\n${listAtMost(
                alerts.map((a) => `${JSON.stringify(a.labels)} ${a.status.state} since ${a.startsAt}`),
                10,
              )}`,
      };
    },
    options,
  );
}
