// scripts/toolchain.sh runs before every npm script: when nothing changed it must not start Node to find
// out, and an input touched without a change must not rebuild the telemetry bundle.
import { spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { describe, expect, it } from 'vitest';

const stamp = path.join(REPO_ROOT, 'packages/telemetry/dist/source-hash');
const toolchain = () =>
  spawnSync('bash', [path.join(REPO_ROOT, 'scripts/toolchain.sh'), 'true'], { encoding: 'utf8' });

describe('scripts/toolchain.sh', () => {
  it('finds the bundle fresh by its stamp; a touched input costs one content check, then none', () => {
    expect(toolchain().status).toBe(0);
    const source = path.join(REPO_ROOT, 'packages/telemetry/src/index.ts');
    // A stamp a minute old, an input touched after it and still in the past: the caught-up stamp (now) is later.
    const past = new Date(Date.now() - 60_000);
    utimesSync(stamp, past, past);
    const later = new Date(past.getTime() + 5_000);
    utimesSync(source, later, later);
    const touched = toolchain();
    expect(touched.status, touched.stderr).toBe(0);
    // Same content: no rebuild, and the stamp catches up, so the next run needs no Node at all.
    expect(touched.stderr).not.toContain('bundling packages/telemetry');
    expect(statSync(stamp).mtimeMs).toBeGreaterThanOrEqual(later.getTime());
    const trace = spawnSync('bash', ['-x', path.join(REPO_ROOT, 'scripts/toolchain.sh'), 'true'], {
      encoding: 'utf8',
    });
    expect(trace.stderr).not.toContain('build.ts --check');
  });
});
