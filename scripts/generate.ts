// npm run generate — renders grafana/ (dashboards, alert rules, environment settings) into every
// target: compose provisioning, kustomize base and overlays, Terraform inputs.
import { loadSources, renderTargets, writeTargets } from '@telemetry-kit/observability-config/generate';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';

const sources = await loadSources(REPO_ROOT);
const { written, removed } = writeTargets(REPO_ROOT, renderTargets(sources));
console.log(
  `generated ${written.length} files from ${sources.dashboards.length} dashboards, ` +
    `${sources.ruleFiles.length} rule files and grafana/environments.yaml`,
);
for (const file of removed) console.log(`removed stale ${file}`);
