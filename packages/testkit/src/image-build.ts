import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';
import { resolvedImages } from './images.ts';

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

async function* filesUnder(root: string, relative: string): AsyncGenerator<string> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) yield* filesUnder(root, child);
      // A bundle the image copies in counts by what it was built from (packages/telemetry/dist): an
      // image built before the bundle was rebuilt is not reused after it.
      else if (entry.name === 'dist' && (await readdir(path.join(root, child))).includes(BUNDLE_SOURCE_HASH))
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
    const stat = await readdir(absolute).then(
      () => 'dir' as const,
      () => 'file' as const,
    );
    const files = stat === 'dir' ? filesUnder(request.context, input) : [input];
    for await (const file of files) {
      hash.update(`${file}\0`);
      hash.update(await readFile(path.join(request.context, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

const builds = new Map<string, Promise<string>>();

/**
 * Builds an image from a Dockerfile in the repository once: the tag carries a content hash of the
 * inputs, so an unchanged service is not rebuilt within a run or across runs. Every pinned image is
 * passed as a build argument (NODE_IMAGE, DEBIAN_IMAGE, ...), overrides included.
 * Returns the image tag.
 */
export function buildImageOnce(request: ImageBuildRequest): Promise<string> {
  const key = JSON.stringify([
    request.name,
    path.resolve(request.context),
    request.target,
    request.buildArgs,
  ]);
  let pending = builds.get(key);
  if (!pending) {
    pending = build(request);
    builds.set(key, pending);
    pending.catch(() => builds.delete(key));
  }
  return pending;
}

async function build(request: ImageBuildRequest): Promise<string> {
  const buildArgs = resolvedImages();
  const tag = `telemetry-kit/${request.name}:${await buildInputsHash(request, buildArgs)}`;
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) return tag;
  const args = { ...buildArgs, ...request.buildArgs };
  try {
    let builder = GenericContainer.fromDockerfile(
      request.context,
      request.dockerfile ?? 'Dockerfile',
    ).withBuildArgs(args);
    if (request.target) builder = builder.withTarget(request.target);
    await builder.build(tag, { deleteOnExit: false });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const flags = [
      ...(request.target ? [`--target ${request.target}`] : []),
      ...Object.entries(request.buildArgs ?? {}).map(([name, value]) => `--build-arg ${name}=${value}`),
    ].join(' ');
    throw new Error(
      `building image ${tag} from ${path.join(request.context, request.dockerfile ?? 'Dockerfile')} failed: ${detail} — ` +
        `try it by hand with: docker build -f ${request.dockerfile ?? 'Dockerfile'} ${flags} ${request.context}`,
      { cause: error },
    );
  }
  return tag;
}
