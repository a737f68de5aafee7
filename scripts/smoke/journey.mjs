// The smoke journey a blue-green preview must pass before it is promoted (Argo Rollouts pre-promotion
// analysis, a Job of the `telemetry-kit-pre-promotion` AnalysisTemplate). Plain Node, no dependency: it
// runs in the pinned Node image with this file mounted from a ConfigMap.
//   node journey.mjs <base URL> api    sign up, read the session back, browse the listings
//   node journey.mjs <base URL> page   the web app's page
// Exits 0 when every step answers as a user expects, 1 naming the step that did not.
import { randomBytes } from 'node:crypto';

const [base, kind] = process.argv.slice(2);
if (!base || !['api', 'page'].includes(kind ?? '')) {
  console.error('usage: node journey.mjs <base URL> api|page');
  process.exit(2);
}

async function step(name, path, init, expected) {
  const response = await fetch(new URL(path, base), { ...init, signal: AbortSignal.timeout(15_000) });
  const body = await response.text();
  const ok = response.status === expected;
  console.log(
    JSON.stringify({ level: ok ? 'info' : 'error', msg: `smoke ${name}`, status: response.status }),
  );
  if (!ok) throw new Error(`${name}: ${path} answered ${response.status}, expected ${expected}`);
  return body;
}

try {
  if (kind === 'api') {
    const account = {
      email: `smoke-${randomBytes(6).toString('hex')}@example.test`,
      password: `pw-${randomBytes(12).toString('hex')}`,
      displayName: 'Smoke test',
    };
    const signup = JSON.parse(
      await step(
        'sign up',
        '/api/signup',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) },
        201,
      ),
    );
    await step('session', '/api/me', { headers: { authorization: `Bearer ${signup.token}` } }, 200);
    await step('listings', '/api/listings?limit=5', {}, 200);
  } else {
    const page = await step('page', '/', {}, 200);
    if (!page.toLowerCase().includes('<html')) throw new Error('page: / did not answer HTML');
  }
} catch (error) {
  console.error(JSON.stringify({ level: 'error', msg: 'smoke journey failed', error: error.message }));
  process.exit(1);
}
