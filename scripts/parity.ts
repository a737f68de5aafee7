// npm run parity — per environment, every dashboard UID and rule group deployed and its content hash;
// the declared deltas by name; exits non-zero on any undeclared drift. `--root <dir>` checks another tree.
import { formatParityReport, runParity } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { argv } from 'zx';

const root = typeof argv.root === 'string' ? argv.root : REPO_ROOT;
const report = runParity(root);
process.stdout.write(formatParityReport(report));
process.exitCode = report.drift.length === 0 ? 0 : 1;
