import { context, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeatureFlags } from '../../src/index.ts';
import { definitionDefault, startFeatureFlags, variantsOf } from '../../src/index.ts';
import { definition, flagFile, recordingLogger, until, withKillSwitch, withWeights } from './helpers.ts';

const started: FeatureFlags[] = [];
async function start(file: string | undefined) {
  const log = recordingLogger();
  const flags = await startFeatureFlags({ file, logger: log.logger });
  started.push(flags);
  return { flags, lines: log.lines };
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((flags) => flags.close()));
});

const USERS = Array.from({ length: 200 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('flag evaluation', () => {
  it('answers the definition defaults when the file serves them', async () => {
    const { flags } = await start(flagFile().file);
    expect(await flags.evaluate('rituals-llm-kill-switch')).toEqual({ value: false, variant: 'off' });
    expect(await flags.evaluate('ritual-length', { userId: USERS[0] })).toEqual({
      value: 'standard',
      variant: 'standard',
    });
  });

  it('reads a flipped kill switch from the file', async () => {
    const { flags } = await start(flagFile(withKillSwitch(true)).file);
    expect(await flags.evaluate('rituals-llm-kill-switch')).toEqual({ value: true, variant: 'on' });
  });

  it('gives every user a variant of the declared split, and the same one on every evaluation', async () => {
    const { flags } = await start(flagFile(withWeights({ standard: 50, extended: 50 })).file);
    const first = await Promise.all(USERS.map((userId) => flags.evaluate('ritual-length', { userId })));
    const again = await Promise.all(USERS.map((userId) => flags.evaluate('ritual-length', { userId })));
    expect(again).toEqual(first);
    expect(new Set(first.map((r) => r.variant))).toEqual(new Set(variantsOf('ritual-length')));
  });

  it('serves the default variant to a request without a user (fractional needs a bucketing key)', async () => {
    const { flags } = await start(flagFile(withWeights({ standard: 0, extended: 100 })).file);
    expect((await flags.evaluate('ritual-length', { userId: USERS[1] })).variant).toBe('extended');
    expect((await flags.evaluate('ritual-length')).variant).toBe(definitionDefault('ritual-length').variant);
  });

  it('answers the default for a variant the code does not know, rather than an unlabelled value', async () => {
    const flags = definition();
    const flag = flags.flags['ritual-length'] as Record<string, unknown>;
    flag.variants = { standard: 'standard', extended: 'extended', epic: 'epic' };
    flag.targeting = { fractional: [['epic', 100]] };
    const { flags: evaluated } = await start(flagFile(flags).file);
    expect(await evaluated.evaluate('ritual-length', { userId: USERS[2] })).toEqual(
      definitionDefault('ritual-length'),
    );
  });

  it('without FLAGS_FILE answers every definition default and warns once', async () => {
    const { flags, lines } = await start(undefined);
    expect(await flags.evaluate('rituals-llm-kill-switch')).toEqual(
      definitionDefault('rituals-llm-kill-switch'),
    );
    expect(await flags.evaluate('ritual-length', { userId: USERS[3] })).toEqual(
      definitionDefault('ritual-length'),
    );
    expect(lines.map((l) => l.level)).toEqual(['warn']);
    expect(lines[0]?.message).toMatch(/FLAGS_FILE is not set/);
  });
});

describe('hot reload', () => {
  it('applies an edit to the file in a running process within 5 s', async () => {
    const { file, write } = flagFile(withKillSwitch(false));
    const { flags, lines } = await start(file);
    expect((await flags.evaluate('rituals-llm-kill-switch')).value).toBe(false);
    write(withKillSwitch(true));
    const tookMs = await until(
      async () => (await flags.evaluate('rituals-llm-kill-switch')).value,
      true,
      5000,
    );
    expect(tookMs, 'the kill switch was still off 5 s after the edit').toBeLessThan(5000);
    expect(lines.at(-1)).toMatchObject({
      level: 'info',
      message: 'feature flags reloaded',
      fields: { flags_changed: ['rituals-llm-kill-switch'] },
    });
  });
});

describe('a malformed flag file', () => {
  const BROKEN: Array<[string, string]> = [
    ['not JSON (a half-saved edit)', '{ "flags": { "rituals-llm-kill-switch": '],
    ['JSON without flags', '{}'],
    [
      'a flag without variants',
      JSON.stringify({ flags: { 'rituals-llm-kill-switch': { state: 'ENABLED' } } }),
    ],
    [
      'a fractional weight that is no integer',
      JSON.stringify(withWeights({ standard: 0.5, extended: 99.5 })),
    ],
  ];

  it.each(BROKEN)('%s keeps the last good flags and logs one error', async (_, broken) => {
    const { file, write } = flagFile(withKillSwitch(true));
    const { flags, lines } = await start(file);
    expect((await flags.evaluate('rituals-llm-kill-switch')).value).toBe(true);
    write(broken);
    const errorLogged = async () => lines.some((l) => l.level === 'error');
    expect(await until(errorLogged, true, 5000), 'no error was logged for the broken file').toBeLessThan(
      5000,
    );
    // Two more polls of the same broken file: still one error, still the last good value.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await flags.evaluate('rituals-llm-kill-switch')).toEqual({ value: true, variant: 'on' });
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(
      /flag file .+ is invalid — .+; the last good flags stay in force until it is fixed/,
    );
    expect(errors[0]?.fields).toMatchObject({ flags_file: file, flags_kept: 2 });
  });

  it('at start-up leaves every flag at its default, logs one error, and loads the file once it is fixed', async () => {
    const { file, write } = flagFile('{ "flags": ');
    const { flags, lines } = await start(file);
    expect(await flags.evaluate('rituals-llm-kill-switch')).toEqual(
      definitionDefault('rituals-llm-kill-switch'),
    );
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    write(withKillSwitch(true));
    const tookMs = await until(
      async () => (await flags.evaluate('rituals-llm-kill-switch')).value,
      true,
      5000,
    );
    expect(tookMs, 'the fixed file was not picked up within 5 s').toBeLessThan(5000);
  });
});

describe('telemetry of an evaluation', () => {
  it('is a feature_flag.evaluation event on the active span, with the variant and no user id', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const events: Array<{ name: string; attributes: Record<string, unknown> }> = [];
    const span = {
      spanContext: () => ({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }),
      isRecording: () => true,
      addEvent: (name: string, attributes: Record<string, unknown>) => void events.push({ name, attributes }),
    } as unknown as Span;
    const { flags } = await start(flagFile(withWeights({ standard: 0, extended: 100 })).file);
    const userId = USERS[4] as string;
    await context.with(trace.setSpan(ROOT_CONTEXT, span), () => flags.evaluate('ritual-length', { userId }));
    context.disable();
    expect(events).toEqual([
      {
        name: 'feature_flag.evaluation',
        attributes: {
          'feature_flag.key': 'ritual-length',
          'feature_flag.provider.name': 'flagd',
          'feature_flag.result.variant': 'extended',
          'feature_flag.result.reason': 'targeting_match',
          'feature_flag.set.id': 'telemetry-kit',
        },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(userId);
  });
});
