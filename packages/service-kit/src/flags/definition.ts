// The one flag definition (flags/flags.flagd.json) as types and defaults: flag keys, each flag's
// variants (the values a metric label may take) and its default, read from the file itself, so the
// code's fallback for a flag is always the definition's defaultVariant.
import definition from '../../../../flags/flags.flagd.json' with { type: 'json' };

type Definition = typeof definition.flags;
export type FlagKey = keyof Definition;
export type VariantOf<K extends FlagKey> = keyof Definition[K]['variants'] & string;
export type ValueOf<K extends FlagKey> = Definition[K]['variants'][VariantOf<K>];

/** Where the definition lives in the repository (the services' images carry it at the same place). */
export const FLAG_DEFINITION_PATH = 'flags/flags.flagd.json';

/** A flag's variant names, in the definition's order: the complete set a bounded label may take. */
export function variantsOf<K extends FlagKey>(key: K): VariantOf<K>[] {
  return Object.keys(definition.flags[key].variants) as VariantOf<K>[];
}

/** The definition's default variant of a flag, and its value. */
export function definitionDefault<K extends FlagKey>(key: K): { variant: VariantOf<K>; value: ValueOf<K> } {
  const flag = definition.flags[key];
  const variant = flag.defaultVariant as VariantOf<K>;
  const variants: Record<string, unknown> = flag.variants;
  return { variant, value: variants[variant] as ValueOf<K> };
}
