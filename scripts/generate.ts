// npm run generate — renders grafana/ (dashboards, alert rules, environment settings) into every
// target: compose provisioning, kustomize base and overlays, Terraform inputs.
// `npm run generate -- --check` writes nothing and exits 1 when a generated file is out of date (CI).
import {
  differingFiles,
  loadSources,
  renderTargets,
  staleFiles,
  writeTargets,
} from '@telemetry-kit/observability-config/generate';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { argv } from 'zx';

const sources = await loadSources(REPO_ROOT);
const files = renderTargets(sources);

if (argv.check) {
  const outdated = [...differingFiles(REPO_ROOT, files), ...staleFiles(REPO_ROOT, files)];
  for (const file of outdated) console.log(`out of date: ${file}`);
  console.log(
    outdated.length === 0 ? 'generated files are up to date' : 'run `npm run generate` and commit the result',
  );
  process.exitCode = outdated.length === 0 ? 0 : 1;
} else {
  const { written, removed } = writeTargets(REPO_ROOT, files);
  console.log(
    `generated ${written.length} files from ${sources.dashboards.length} dashboards, ` +
      `${sources.ruleFiles.length} rule files and grafana/environments.yaml`,
  );
  for (const file of removed) console.log(`removed stale ${file}`);
}
