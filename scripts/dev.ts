#!/usr/bin/env tsx
// npm run dev — brings up the reference services and the telemetry stack with docker compose.
// The compose files land with the dev-environment work; until then this checks what the stack
// will need on this machine and says what it will start.
import { probeContainerEngine } from '@telemetry-kit/testkit';
import { $ } from 'zx';

const engine = await probeContainerEngine();
if (!engine.available) {
  console.error(`✗ ${engine.reason}`);
  process.exit(1);
}
const compose = await $({ nothrow: true, quiet: true })`docker compose version --short`;
if (compose.exitCode !== 0) {
  console.error(
    '✗ docker compose v2 not found — install the Docker Compose v2 plugin (docker compose version)',
  );
  process.exit(1);
}
console.log(`✓ Docker engine answers; compose ${compose.stdout.trim()}`);
console.log(
  'The compose stack (services, Grafana, Loki, Tempo, Prometheus, Alertmanager) is not in this revision yet.',
);
console.log('Images it will use (npm run images -- list):');
for (const [key, image] of Object.entries({ ...engine.presentImages, ...engine.missingImages }).sort()) {
  console.log(`  ${key.padEnd(22)} ${image}${key in engine.presentImages ? '' : '  (not pulled yet)'}`);
}
