import type { Telemetry } from '@telemetry-kit/telemetry';
import type { GatewayMetrics } from './app.ts';

/**
 * The gateway's metrics (docs/metrics.md): sign-ups and logins by outcome, and active sessions — a
 * gauge read from Postgres (sessions outlive a process and expire on their own, so an in-process
 * counter would drift), refreshed after each change and periodically.
 */
export function gatewayMetrics(
  telemetry: Telemetry,
  countActiveSessions: () => Promise<number>,
): GatewayMetrics & { refresh(): Promise<void> } {
  const signups = telemetry.counter('user.signups', {
    description: 'Sign-up attempts by outcome',
    labels: { outcome: ['created', 'rejected'] },
  });
  const logins = telemetry.counter('user.logins', {
    description: 'Login attempts by outcome',
    labels: { outcome: ['success', 'failure'] },
  });
  let active = 0;
  telemetry.meter
    .createObservableGauge('user.sessions.active', {
      description: 'Sessions that have not expired or logged out',
    })
    .addCallback((result) => result.observe(active));
  for (const outcome of ['created', 'rejected'] as const) signups.add(0, { outcome });
  for (const outcome of ['success', 'failure'] as const) logins.add(0, { outcome });

  const refresh = async () => {
    try {
      active = await countActiveSessions();
    } catch (error) {
      telemetry.logger.warn({ err: error }, 'could not count active sessions; keeping the last value');
    }
  };
  return {
    refresh,
    signup: (outcome) => signups.add(1, { outcome }),
    login: (outcome) => logins.add(1, { outcome }),
    sessionsChanged: () => void refresh(),
  };
}
