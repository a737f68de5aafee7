// The image facts the static checks rely on (image-facts.ts), checked on the images themselves where
// they are present: here the local stand-ins, in the GitHub workflow the real pulled images. Nothing
// is started: each image is created and read (its USER, its PATH, the files of its healthcheck).
import { resolveImage } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { $ } from 'zx';
import { composeSource } from '../dev/compose-file.ts';
import { IMAGE_FACTS } from './image-facts.ts';

const run = $({ quiet: true, nothrow: true });

/** A healthcheck's executables: all of `all`, and at least one of `anyOf` (a shell's alternatives). */
function healthcheckNeeds(test: string[]): { all: string[]; anyOf: string[] } {
  const [kind, ...rest] = test;
  if (kind === 'CMD-SHELL') {
    return { all: ['sh'], anyOf: (rest[0] ?? '').split('||').map((p) => p.trim().split(/\s+/)[0] ?? '') };
  }
  return { all: [rest[0] ?? ''], anyOf: [] };
}

const { services } = composeSource();

for (const facts of IMAGE_FACTS) {
  const checks = Object.values(services)
    .filter(
      (spec) =>
        (spec.build ? 'NODE_IMAGE' : /^\$\{([A-Z_]+_IMAGE)/.exec(spec.image ?? '')?.[1]) === facts.variable,
    )
    .flatMap((spec) => (spec.healthcheck?.test ? [healthcheckNeeds(spec.healthcheck.test)] : []));

  describeWithContainers(
    `${facts.variable} has what the kit relies on`,
    { images: [facts.variable as never] },
    () => {
      const image = resolveImage(facts.variable as never);
      let container = '';
      let path: string[] = [];

      beforeAll(async () => {
        container = (await run`docker create ${image}`).stdout.trim();
        const env = JSON.parse(
          (await run`docker image inspect --format ${'{{json .Config.Env}}'} ${image}`).stdout,
        ) as string[] | null;
        path = (env ?? [])
          .find((e) => e.startsWith('PATH='))
          ?.slice(5)
          .split(':') ?? ['/usr/bin', '/bin'];
      });
      afterAll(async () => {
        if (container) await run`docker rm ${container}`;
      });

      /** Whether the image has the executable: at its absolute path, or in a directory of its PATH. */
      async function has(binary: string): Promise<boolean> {
        const created = (await getContainerRuntimeClient()).container.getById(container);
        const candidates = binary.startsWith('/') ? [binary] : path.map((dir) => `${dir}/${binary}`);
        for (const candidate of candidates) {
          // The archive's stat (HEAD /containers/{id}/archive): no file is copied out.
          const found = await created.infoArchive({ path: candidate }).then(
            () => true,
            () => false,
          );
          if (found) return true;
        }
        return false;
      }

      it('finds no executable that is not there (the check can fail)', async () => {
        expect(await has('/bin/no-such-tool-here')).toBe(false);
      });

      it(`starts as uid ${facts.uid.value} (${facts.uid.source})`, async () => {
        const user = (await run`docker image inspect --format ${'{{.Config.User}}'} ${image}`).stdout.trim();
        const name = user.split(':')[0] ?? '';
        const uid = name === '' || name === 'root' ? 0 : name === 'nobody' ? 65534 : Number(name);
        expect(uid, `${image} has USER "${user}"`).toBe(facts.uid.value);
      });

      it.each(checks.map((c, i) => [i, c] as const))(
        'has the executables compose’s healthcheck %i runs',
        async (_, check) => {
          for (const binary of check.all) expect(await has(binary), `${image} lacks ${binary}`).toBe(true);
          if (check.anyOf.length > 0) {
            const found = [];
            for (const binary of check.anyOf) if (await has(binary)) found.push(binary);
            expect(found, `${image} has none of ${check.anyOf.join(', ')}`).not.toEqual([]);
          }
        },
      );
    },
  );
}
