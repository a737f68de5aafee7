import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MemoryStorage } from '@openfeature/flagd-core';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT, SOURCE } from '../src/paths.ts';
import { DEPLOYED_ENVIRONMENTS, loadSettings, parseSettings } from '../src/settings.ts';
import { FLAG_DEFINITION, renderFlags } from '../src/targets/flags.ts';

// flagd's JSON schema, vendored unchanged (flags/schema/README.md names its release). `strict: false`:
// the upstream schema carries $comment and an items/maxItems pairing that Ajv's strict mode flags.
const schemaFile = (name: string) =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'flags/schema', name), 'utf8')) as object;
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(schemaFile('targeting.json'));
const validate = ajv.compile(schemaFile('flags.json'));

/** The schema's verdict, with its errors as `path message` lines. */
function schemaErrors(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** What the services run: flagd-core's own validator (strict), which refuses what the schema refuses. */
function flagdRefuses(text: string): boolean {
  try {
    new MemoryStorage(console).setConfigurations(text, true);
    return false;
  } catch {
    return true;
  }
}

const definitionText = readFileSync(path.join(REPO_ROOT, FLAG_DEFINITION), 'utf8');
const definition = () => JSON.parse(definitionText);
const settings = loadSettings(REPO_ROOT);
const settingsText = readFileSync(path.join(REPO_ROOT, SOURCE.settings), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary fields of the parsed YAML
const editedSettings = (edit: (doc: Record<string, any>) => void) => {
  const doc = parse(settingsText);
  edit(doc);
  return parseSettings(stringify(doc));
};

describe('the flag definition (flags/flags.flagd.json)', () => {
  it('passes flagd’s JSON schema', () => {
    expect(schemaErrors(definition())).toEqual([]);
    expect(flagdRefuses(definitionText)).toBe(false);
  });

  const BROKEN: Array<[string, (d: ReturnType<typeof definition>) => unknown, RegExp]> = [
    ['no flags at all', () => ({}), /must have required property 'flags'/],
    [
      'a flag without variants',
      (d) => {
        delete d.flags['ritual-length'].variants;
        return d;
      },
      /\/flags\/ritual-length must have required property 'variants'/,
    ],
    [
      'a fractional weight that is not an integer',
      (d) => {
        d.flags['ritual-length'].targeting = {
          fractional: [
            ['standard', 0.5],
            ['extended', 99.5],
          ],
        };
        return d;
      },
      /\/flags\/ritual-length\/targeting\/fractional\/0\/1 must be integer/,
    ],
    [
      'a misspelt state',
      (d) => {
        d.flags['rituals-llm-kill-switch'].state = 'ON';
        return d;
      },
      /\/flags\/rituals-llm-kill-switch\/state must be equal to one of the allowed values/,
    ],
  ];

  it.each(BROKEN)('with %s fails the schema, and flagd refuses it too', (_, breakIt, expected) => {
    const broken = breakIt(definition());
    expect(schemaErrors(broken).join('\n')).toMatch(expected);
    expect(flagdRefuses(JSON.stringify(broken))).toBe(true);
  });
});

describe('renderFlags', () => {
  const rendered = (env: (typeof DEPLOYED_ENVIRONMENTS)[number]) =>
    JSON.parse(renderFlags(REPO_ROOT, settings, env));
  const weights = (env: (typeof DEPLOYED_ENVIRONMENTS)[number]) =>
    Object.fromEntries(rendered(env).flags['ritual-length'].targeting.fractional);

  it.each(DEPLOYED_ENVIRONMENTS)('gives %s a file that passes flagd’s schema', (env) => {
    expect(schemaErrors(rendered(env))).toEqual([]);
  });

  it('rolls extended rituals out to 10% in production and 100% in staging, as declared', () => {
    expect(weights('production')).toEqual({ standard: 90, extended: 10 });
    expect(weights('staging')).toEqual({ standard: 0, extended: 100 });
  });

  it('changes nothing but what an environment declares', () => {
    const production = rendered('production');
    const expected = definition();
    expected.flags['ritual-length'].targeting = production.flags['ritual-length'].targeting;
    expect(production).toEqual(expected);
  });

  it('applies a declared default variant', () => {
    const flipped = editedSettings((d) => {
      d.environments.staging.flags['rituals-llm-kill-switch'] = { defaultVariant: 'on' };
    });
    expect(
      JSON.parse(renderFlags(REPO_ROOT, flipped, 'staging')).flags['rituals-llm-kill-switch'],
    ).toMatchObject({
      defaultVariant: 'on',
    });
  });

  it('names a flag the definition does not have', () => {
    const misspelt = editedSettings((d) => {
      d.environments.production.flags['ritual-lenght'] = { defaultVariant: 'extended' };
    });
    expect(() => renderFlags(REPO_ROOT, misspelt, 'production')).toThrow(
      /environments\.production\.flags\.ritual-lenght: no flag ritual-lenght in flags\/flags\.flagd\.json/,
    );
  });

  it('names a variant the flag does not have', () => {
    const unknown = editedSettings((d) => {
      d.environments.production.flags['ritual-length'] = { weights: { standard: 50, epic: 50 } };
    });
    expect(() => renderFlags(REPO_ROOT, unknown, 'production')).toThrow(
      /epic is no variant of ritual-length \(it has standard, extended\)/,
    );
  });
});

describe('flag defaults in grafana/environments.yaml', () => {
  it('refuse weights that do not add up to 100 percent', () => {
    expect(() =>
      editedSettings((d) => {
        d.environments.production.flags['ritual-length'] = { weights: { standard: 90, extended: 20 } };
      }),
    ).toThrow(/environments\.production\.flags\.ritual-length\.weights: weights are percents of users/);
  });
});
