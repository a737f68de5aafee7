import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { resolvedImages } from './images.ts';

export interface ContainerEngineStatus {
  /** Whether a Docker-compatible engine answered. */
  available: boolean;
  /** Why not, as one actionable line, when it did not. */
  reason?: string;
  /** Resolved image name by pin key, for every pin that exists locally. */
  presentImages: Record<string, string>;
  /** Resolved image name by pin key, for every pin that does not. */
  missingImages: Record<string, string>;
}

const ENGINE_HINT =
  'start Docker (or set DOCKER_HOST), or open the devcontainer; CI provisions one with scripts/ci/engine.sh';

/** Asks the container engine whether it answers and which of the pinned images it already has. */
export async function probeContainerEngine(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ContainerEngineStatus> {
  const images = resolvedImages(env);
  let client: Awaited<ReturnType<typeof getContainerRuntimeClient>>;
  try {
    client = await getContainerRuntimeClient();
  } catch (error) {
    const where = env.DOCKER_HOST ?? '/var/run/docker.sock';
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      available: false,
      reason: `Docker engine not reachable at ${where} (${detail}) — ${ENGINE_HINT}`,
      presentImages: {},
      missingImages: images,
    };
  }
  const presentImages: Record<string, string> = {};
  const missingImages: Record<string, string> = {};
  await Promise.all(
    Object.entries(images).map(async ([key, name]) => {
      const found = await client.image.exists(ImageName.fromString(name));
      (found ? presentImages : missingImages)[key] = name;
    }),
  );
  return { available: true, presentImages, missingImages };
}
