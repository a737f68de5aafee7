import path from 'node:path';
import { GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';
import type { ImageBuildRequest } from './build-inputs.ts';
import { buildInputsHash } from './build-inputs.ts';
import { resolvedImages } from './images.ts';

export type { ImageBuildRequest } from './build-inputs.ts';

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
