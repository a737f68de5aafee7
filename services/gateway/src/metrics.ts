import type { Telemetry } from '@telemetry-kit/telemetry';
import type { GatewayMetrics } from './app.ts';
import { THROTTLE_SCOPES } from './login-throttle.ts';

/**
 * The gateway's metrics (docs/metrics.md): sign-ups and logins by outcome, failed and throttled
 * logins, and active sessions — a
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
  // A failed login's reason; the account itself is never a label (THROTTLE_SCOPES says whose limit).
  const loginFailures = telemetry.counter('gateway.login.failures', {
    description: 'Failed logins by reason',
    labels: { reason: ['unknown_account', 'wrong_password'] },
  });
  const loginThrottled = telemetry.counter('gateway.login.throttled', {
    description: 'Login attempts refused with 429 by the failed-login limit of an account or a client',
    labels: { scope: THROTTLE_SCOPES },
  });
  let active = 0;
  telemetry.meter
    .createObservableGauge('user.sessions.active', {
      description: 'Sessions that have not expired or logged out',
    })
    .addCallback((result) => result.observe(active));
  for (const outcome of ['created', 'rejected'] as const) signups.add(0, { outcome });
  for (const outcome of ['success', 'failure'] as const) logins.add(0, { outcome });
  for (const reason of ['unknown_account', 'wrong_password'] as const) loginFailures.add(0, { reason });
  for (const scope of THROTTLE_SCOPES) loginThrottled.add(0, { scope });

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
    login: (outcome, reason) => {
      logins.add(1, { outcome });
      if (reason) loginFailures.add(1, { reason });
    },
    loginThrottled: (scope) => loginThrottled.add(1, { scope }),
    sessionsChanged: () => void refresh(),
  };
}
