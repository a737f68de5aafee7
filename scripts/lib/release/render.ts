// A release of an environment: its overlay (kubectl kustomize k8s/overlays/<env>) with every service
// image pinned to what was built for one commit, by tag (the full commit SHA) or by digest (what the
// delivery workflow recorded when it pushed). The same bytes are printed, diffed and applied; nothing
// is committed.
import { parseAllDocuments, stringify } from 'yaml';

export type ImagePin = { sha: string } | { digests: Record<string, string> };

const SHA = /^[0-9a-f]{40}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

interface Container {
  name: string;
  image: string;
}

/** Every container list of a rendered object: pod templates of workloads and Jobs, and CronJobs'. */
function containersOf(object: Record<string, unknown>): Container[][] {
  const spec = object.spec as Record<string, unknown> | undefined;
  const template = (spec?.template ??
    (spec?.jobTemplate as { spec?: { template?: unknown } })?.spec?.template) as
    | { spec?: { containers?: Container[]; initContainers?: Container[] } }
    | undefined;
  return [template?.spec?.containers ?? [], template?.spec?.initContainers ?? []];
}

/** Checks a pin before anything is rendered: a full commit SHA, or a sha256 digest per service. */
export function validatePin(pin: ImagePin): void {
  if ('sha' in pin) {
    if (!SHA.test(pin.sha))
      throw new Error(`--sha ${pin.sha}: give the full 40-character commit SHA the images were built from`);
    return;
  }
  for (const [service, digest] of Object.entries(pin.digests)) {
    if (!DIGEST.test(digest)) throw new Error(`digest of ${service} "${digest}" is not sha256:<64 hex>`);
  }
}

/**
 * The overlay's objects with each `<registry>/<service>` image pinned. Fails naming the service when
 * a digest is missing, and when an image of the registry would be left at its unpinned tag.
 */
export function renderRelease(kustomizeOutput: string, registry: string, pin: ImagePin): string {
  validatePin(pin);
  const prefix = `${registry}/`;
  const documents = parseAllDocuments(kustomizeOutput).map(
    (doc) => doc.toJS() as Record<string, unknown> | null,
  );
  for (const object of documents) {
    if (!object) continue;
    for (const containers of containersOf(object)) {
      for (const container of containers) {
        if (!container.image.startsWith(prefix)) continue;
        const service = container.image.slice(prefix.length).split(/[:@]/)[0] ?? '';
        if ('sha' in pin) {
          container.image = `${prefix}${service}:${pin.sha}`;
        } else {
          const digest = pin.digests[service];
          if (!digest) {
            const metadata = object.metadata as { name?: string };
            throw new Error(
              `no digest for ${service} (${String(object.kind)}/${metadata?.name}): the release names ${Object.keys(pin.digests).join(', ') || 'none'}`,
            );
          }
          container.image = `${prefix}${service}@${digest}`;
        }
      }
    }
  }
  return documents
    .filter((object) => object !== null)
    .map((object) => stringify(object, { lineWidth: 0 }))
    .join('---\n');
}

/** The images a rendered release runs, one line per container: what a reviewer checks before approving. */
export function releaseImages(rendered: string): string[] {
  return parseAllDocuments(rendered).flatMap((doc) => {
    const object = doc.toJS() as Record<string, unknown> | null;
    if (!object) return [];
    const name = `${String(object.kind)}/${(object.metadata as { name?: string })?.name}`;
    return containersOf(object).flatMap((containers) =>
      containers.map((c) => `${name} ${c.name} ${c.image}`),
    );
  });
}
