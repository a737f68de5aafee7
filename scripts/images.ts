#!/usr/bin/env tsx
// npm run images -- list | pull
//   list: every pinned image (images.env) as resolved through environment overrides, and whether
//         the local engine has it.
//   pull: pull every pinned image that is missing (where a registry or mirror is reachable).
import { probeContainerEngine } from '@telemetry-kit/testkit';
import { $ } from 'zx';

const verb = process.argv[2] ?? 'list';
const status = await probeContainerEngine();
if (!status.available) {
  console.error(status.reason);
  process.exit(1);
}

if (verb === 'list') {
  for (const [key, image] of Object.entries({ ...status.presentImages, ...status.missingImages }).sort()) {
    console.log(
      `${key.padEnd(22)} ${image.padEnd(48)} ${key in status.presentImages ? 'present' : 'missing'}`,
    );
  }
} else if (verb === 'pull') {
  for (const [key, image] of Object.entries(status.missingImages)) {
    console.log(`pulling ${image} (${key})`);
    await $({ stdio: 'inherit' })`docker pull ${image}`;
  }
} else {
  console.error(`unknown verb "${verb}" — use: npm run images -- list | pull`);
  process.exit(2);
}
