import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_DIR } from '../config-source.ts';
import { AlloyContainer, DEFAULT_WEB_ORIGINS, TESTKIT_PROJECT } from './alloy-container.ts';

/** The container's environment as it would be created, read without starting anything. */
class InspectableAlloy extends AlloyContainer {
  env(): Record<string, string> {
    return this.environment;
  }
}

/** The variable compose's config.alloy reads the Faro receiver's CORS origins from. */
function corsVariable(): string {
  const config = readFileSync(path.join(COMPOSE_DIR, 'alloy', 'config.alloy'), 'utf8');
  const name = /cors_allowed_origins\s*=\s*string\.split\(sys\.env\("([A-Z_]+)"\), ","\)/.exec(config)?.[1];
  if (!name)
    throw new Error('config.alloy no longer reads cors_allowed_origins from a comma-separated variable');
  return name;
}

describe('AlloyContainer web origins (Faro CORS)', () => {
  it('allows the web app by name and by address unless told otherwise', () => {
    const origins = new InspectableAlloy('alloy:test').env()[corsVariable()]?.split(',');
    expect(origins, 'a Faro receiver with no allowed origin refuses every browser').toEqual([
      ...DEFAULT_WEB_ORIGINS,
    ]);
    expect(origins).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000']);
  });

  it('takes the origins a test gives', () => {
    const alloy = new InspectableAlloy('alloy:test').withWebOrigins('http://localhost:5173');
    expect(alloy.env()[corsVariable()]).toBe('http://localhost:5173');
  });

  it.each(['localhost:3000', 'http://localhost:3000/app', ''])(
    'refuses %j, which is not an origin',
    (origin) => {
      expect(() => new InspectableAlloy('alloy:test').withWebOrigins(origin)).toThrow(/not a browser origin/);
    },
  );
});

describe('the testkit’s own compose project (logs, and out of reach of npm run dev:down)', () => {
  const config = readFileSync(path.join(COMPOSE_DIR, 'alloy', 'config.alloy'), 'utf8');
  const devProject = /^name:\s*(\S+)/m.exec(
    readFileSync(path.join(COMPOSE_DIR, 'compose.yaml'), 'utf8'),
  )?.[1];

  it('has config.alloy collect the project named in LOGS_PROJECT, compose’s own by default', () => {
    const match = /com\.docker\.compose\.project=%s", coalesce\(sys\.env\("([A-Z_]+)"\), "([^"]+)"\)/.exec(
      config,
    );
    expect(match?.[2]).toBe(devProject);
    expect(new InspectableAlloy('alloy:test').env()[match?.[1] ?? '']).toBe(TESTKIT_PROJECT);
  });

  it('is another project than the dev stack’s', () => {
    expect(TESTKIT_PROJECT).not.toBe(devProject);
  });
});
