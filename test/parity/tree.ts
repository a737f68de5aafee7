// Copies the parts of the repository that parity reads (the generated targets and the settings)
// into a temporary directory, so a test can tamper with a copy.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, SOURCE, TARGET } from '@telemetry-kit/observability-config/paths';

const PARTS = [
  SOURCE.settings,
  TARGET.composeDashboards,
  TARGET.composeRules,
  'k8s',
  'terraform',
  'compose/compose.yaml',
  TARGET.composePrometheus,
  TARGET.composeLoki,
  TARGET.composeTempo,
  // The flag definition: each environment's flags are rendered from it.
  'flags',
];

export function copyDeployedTree(): { root: string; remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'kit-parity-'));
  for (const part of PARTS) cpSync(path.join(REPO_ROOT, part), path.join(root, part), { recursive: true });
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
