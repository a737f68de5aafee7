// npm run bench -- images: each service image's size above its base image (NODE_IMAGE), built from
// this repository the way tests and CI build them. Goal: <= 60 MB for the Node services, with the
// espeak-ng voice data of the rituals image excluded (it is data, not the service).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { buildImageOnce, resolveImage, serviceBuildInputs, serviceImageRecipe } from '@telemetry-kit/testkit';
import { writeBenchmarkSection } from '../lib/benchmarks.ts';

// Ryuk (testcontainers' reaper) is an image that cannot be pulled where there is no registry, and
// these builds start no container that would need reaping (as in the testkit's global setup).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVICES = loadServiceCatalogue(ROOT).map((service) => service.name);
const MB = 1_000_000;
const ESPEAK_DATA = '/usr/lib/x86_64-linux-gnu/espeak-ng-data';

async function imageBytes(image: string): Promise<number> {
  const { stdout } = await exec('docker', ['image', 'inspect', '--format', '{{.Size}}', image]);
  return Number(stdout.trim());
}

/** Bytes under a path inside an image (a throwaway container, nothing started for long). */
async function bytesInside(image: string, dir: string): Promise<number> {
  const { stdout } = await exec('docker', ['run', '--rm', '--entrypoint', 'du', image, '-sb', dir]);
  return Number(stdout.split(/\s/)[0]);
}

const round = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

export async function run(): Promise<void> {
  const base = resolveImage('NODE_IMAGE');
  const baseBytes = await imageBytes(base).catch(() => {
    throw new Error(
      `base image ${base} (NODE_IMAGE) is not present — pull it, or export scripts/ci/standins.env`,
    );
  });
  const figures: Record<string, number | string> = { base_image: base, base_image_mb: round(baseBytes) };
  const goals: Record<string, string> = {};
  const rows: string[] = [
    '| service | image | size MB | above base MB | counted toward the goal MB |',
    '|---|---|---|---|---|',
  ];
  for (const service of SERVICES) {
    process.stdout.write(`  building ${service}… `);
    const started = Date.now();
    const image = await buildImageOnce({
      name: service,
      context: ROOT,
      inputs: serviceBuildInputs(ROOT, service),
      ...serviceImageRecipe(ROOT, service),
    });
    const above = (await imageBytes(image)) - baseBytes;
    let counted = above;
    const key = service.replaceAll('-', '_');
    if (service === 'rituals') {
      const espeakData = await bytesInside(image, ESPEAK_DATA);
      counted = above - espeakData;
      figures.rituals_espeak_ng_data_mb = round(espeakData);
      figures.rituals_mb_above_base_including_espeak = round(above);
      figures.rituals_mb_above_base_excluding_espeak_data = round(counted);
      goals.rituals_mb_above_base_excluding_espeak_data = '<= 60';
    } else {
      figures[`${key}_mb_above_base`] = round(above);
      goals[`${key}_mb_above_base`] = '<= 60';
    }
    rows.push(
      `| ${service} | \`${image}\` | ${round(above + baseBytes)} | ${round(above)} | ${round(counted)} |`,
    );
    console.log(`${round(above)} MB above base (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  await writeBenchmarkSection('images', {
    description:
      'Size of each service image above its base image NODE_IMAGE (docker image inspect .Size, decimal MB), built from ' +
      'services/Dockerfile (its stage for the service) with the repository root as context. The rituals image also installs espeak-ng; its ' +
      `voice data (${ESPEAK_DATA}) is excluded from the goal and reported on its own.`,
    figures,
    goals,
    markdown: rows.join('\n'),
  });
}
