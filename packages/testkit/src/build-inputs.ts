// What an image is built from and the content hash that names it. Kept apart from the builder
// (image-build.ts) so that reading it loads no testcontainers: `npm run dev` hashes on every run.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ImageBuildRequest {
  /** Short name of the image; the tag becomes `telemetry-kit/<name>:<content hash>`. */
  name: string;
  /** Build context directory. */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile?: string;
  /** Paths (relative to the context) whose content decides the hash; the whole context by default. */
  inputs?: string[];
  /** The stage to build (`docker build --target`); the last one by default. */
  target?: string;
  /** Build arguments beside the pinned images (e.g. SERVICE for a Dockerfile shared by services). */
  buildArgs?: Record<string, string>;
}

const IGNORED_DIRS = new Set(['node_modules', '.git', '.toolchain', 'dist', 'coverage']);
/** The file packages/telemetry/build.ts writes into dist/: the hash of the sources it bundled. */
const BUNDLE_SOURCE_HASH = 'source-hash';

// Synchronous reads: a few hundred small files, hashed on every `npm run dev`, are read several times
// faster without a promise and a thread-pool hop each.
function* filesUnder(root: string, relative: string): Generator<string> {
  const entries = readdirSync(path.join(root, relative), { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) yield* filesUnder(root, child);
      // A bundle the image copies in counts by what it was built from (packages/telemetry/dist): an
      // image built before the bundle was rebuilt is not reused after it.
      else if (entry.name === 'dist' && readdirSync(path.join(root, child)).includes(BUNDLE_SOURCE_HASH))
        yield path.join(child, BUNDLE_SOURCE_HASH);
    } else if (entry.isFile()) {
      yield child;
    }
  }
}

/** A hash of every input file's path and content and of the base images the build receives. */
export async function buildInputsHash(request: ImageBuildRequest, buildArgs: Record<string, string>) {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      dockerfile: request.dockerfile ?? 'Dockerfile',
      buildArgs: { ...buildArgs, ...request.buildArgs },
      target: request.target ?? null,
    }),
  );
  for (const input of request.inputs ?? ['.']) {
    const absolute = path.join(request.context, input);
    let isDirectory = true;
    try {
      readdirSync(absolute);
    } catch {
      isDirectory = false;
    }
    const files = isDirectory ? filesUnder(request.context, input) : [input];
    for (const file of files) {
      hash.update(`${file}\0`);
      hash.update(readFileSync(path.join(request.context, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}
