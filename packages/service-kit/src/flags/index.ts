import { randomUUID } from 'node:crypto';
import type { Client, EvaluationContext } from '@openfeature/server-sdk';
import { OpenFeature } from '@openfeature/server-sdk';
import type { FlagKey, ValueOf, VariantOf } from './definition.ts';
import { definitionDefault, variantsOf } from './definition.ts';
import type { FlagFile, FlagFileLogger } from './flag-file.ts';
import { SpanEventHook } from './span-hook.ts';

export interface FeatureFlagsOptions {
  /** The flag file (FLAGS_FILE); without one every flag answers its definition default. */
  file: string | undefined;
  logger: FlagFileLogger & { warn(fields: Record<string, unknown>, message: string): void };
}

/** What a flag resolved to for one evaluation: its value and the variant, a bounded label value. */
export interface FlagResult<K extends FlagKey> {
  value: ValueOf<K>;
  variant: VariantOf<K>;
}

/** Who a flag is evaluated for: the user id buckets fractional rules (it is never recorded). */
export interface FlagSubject {
  userId?: string | undefined;
}

export interface FeatureFlags {
  /** Evaluates a flag; any failure or unknown variant answers the definition's default. */
  evaluate<K extends FlagKey>(key: K, subject?: FlagSubject): Promise<FlagResult<K>>;
  /** Stops watching the file. */
  close(): Promise<void>;
}

/**
 * The services' feature flags: OpenFeature's server SDK with the flagd provider, evaluating in process
 * (flagd-core: fractional targeting, semver, string rules) over the file FLAGS_FILE names, reloaded
 * within a second of an edit. Each evaluation is a `feature_flag.evaluation` event on the active span.
 */
export async function startFeatureFlags(options: FeatureFlagsOptions): Promise<FeatureFlags> {
  // A domain per instance: tests start several in one process, and OpenFeature's API is global.
  const domain = `telemetry-kit-${randomUUID()}`;
  let flagFile: FlagFile | undefined;
  if (options.file) {
    // Loaded only here: flagd's provider and core (its schema validator) take about half a second to
    // import, which every start of a service without flags, and every reload under watch, would pay.
    const [{ FlagdProvider }, { FlagFile }] = await Promise.all([
      import('@openfeature/flagd-provider'),
      import('./flag-file.ts'),
    ]);
    flagFile = new FlagFile(options.file, options.logger);
    const provider = new FlagdProvider(
      { resolverType: 'in-process', offlineFlagSourcePath: options.file },
      undefined,
      flagFile,
    );
    // A file with no valid version yet has been logged by FlagFile; the provider turns ready on the
    // first valid one, and until then evaluations answer the definition defaults.
    await OpenFeature.setProviderAndWait(domain, provider).catch(() => undefined);
  } else {
    options.logger.warn(
      { flags_file: null },
      'FLAGS_FILE is not set: every feature flag answers its default from flags/flags.flagd.json',
    );
  }
  const client: Client = OpenFeature.getClient(domain);
  client.addHooks(new SpanEventHook());

  return {
    async evaluate<K extends FlagKey>(key: K, subject: FlagSubject = {}): Promise<FlagResult<K>> {
      const fallback = definitionDefault(key);
      const context: EvaluationContext = subject.userId ? { targetingKey: subject.userId } : {};
      const details =
        typeof fallback.value === 'boolean'
          ? await client.getBooleanDetails(key, fallback.value, context)
          : await client.getStringDetails(key, fallback.value as string, context);
      const variant = details.variant as VariantOf<K> | undefined;
      if (details.errorCode || !variant || !variantsOf(key).includes(variant)) return fallback;
      return { value: details.value as ValueOf<K>, variant };
    },
    async close() {
      await flagFile?.disconnect();
    },
  };
}
