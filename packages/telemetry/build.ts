// Bundles the package's entry points (register, index, testing) and the OpenTelemetry modules they
// use into dist/: a few ESM files instead of ~340 modules and ~20 type-stripped sources, which is most
// of what `--import @telemetry-kit/telemetry/register` cost at start-up; and writes their type
// declarations into dist/types. scripts/toolchain.sh runs it whenever the inputs change, `npm pack`
// before packing; the service images copy dist/ in. Usage: node build.ts [--check]
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const HERE = import.meta.dirname;
const DIST = path.join(HERE, 'dist');
export const SOURCE_HASH_FILE = path.join(DIST, 'source-hash');

/**
 * Kept out of the bundle, loaded from node_modules as usual (@opentelemetry/api is bundled: its
 * registrations live on a global, shared by every copy of API 1.x, so a service's own import of the
 * API sees the SDK this bundle starts):
 * - pino and pino-pretty are what instrumentation-pino patches and what the transport loads by name;
 * - import-in-the-middle: the wrapper modules its loader hook generates import it by name, and must
 *   share its state with the instrumentations' copy;
 * - host-metrics is CommonJS loaded lazily, a second after start.
 */
const EXTERNAL = [
  'pino',
  'pino-pretty',
  'import-in-the-middle',
  'import-in-the-middle/*',
  '@opentelemetry/host-metrics',
];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** What dist/ is built from: the sources, this script, the manifest and the locked dependency tree. */
export async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const inputs = [
    ...(await sourceFiles(path.join(HERE, 'src'))),
    path.join(HERE, 'build.ts'),
    path.join(HERE, 'tsconfig.build.json'),
    path.join(HERE, '../../scripts/lib/packages/declarations.ts'),
    path.join(HERE, 'package.json'),
    path.join(HERE, '../../package-lock.json'),
  ];
  for (const file of inputs) {
    hash.update(`${path.relative(HERE, file)}\0`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

export async function buildDist(): Promise<void> {
  // Loaded here, not at the top: `--check` runs before every npm script and needs no bundler.
  const { build } = await import('esbuild');
  await rm(DIST, { recursive: true, force: true });
  await build({
    entryPoints: {
      register: path.join(HERE, 'src/register.ts'),
      index: path.join(HERE, 'src/index.ts'),
      testing: path.join(HERE, 'src/testing/index.ts'),
    },
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outExtension: { '.js': '.mjs' },
    external: EXTERNAL,
    // Bundled CommonJS dependencies call require(); ESM has none, so each chunk gets one.
    banner: {
      js: "import { createRequire as __kitCreateRequire } from 'node:module';\nconst require = __kitCreateRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The declarations the exports map names (dist/types), for projects that install the package.
  const { compilePackage } = await import('../../scripts/lib/packages/declarations.ts');
  await compilePackage(HERE, path.join(DIST, 'types'));
  await copyFile(path.join(HERE, '../../LICENSE'), path.join(DIST, 'LICENSE'));
  await writeFile(SOURCE_HASH_FILE, `${await sourceHash()}\n`);
}

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    const built = await readFile(SOURCE_HASH_FILE, 'utf8').then(
      (s) => s.trim(),
      () => 'absent',
    );
    if (built !== (await sourceHash())) {
      console.error(
        `packages/telemetry/dist is stale or absent (built from ${built}); run: node packages/telemetry/build.ts`,
      );
      process.exit(1);
    }
  } else {
    await buildDist();
  }
}
