import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FLAG_DEFINITION_PATH } from '../../src/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

/** The repository's flag definition, parsed: tests derive their files from it. */
export function definition(): { flags: Record<string, Record<string, unknown>> } & Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, FLAG_DEFINITION_PATH), 'utf8'));
}

/** The definition with ritual-length's fractional weights set (percent per variant). */
export function withWeights(weights: Record<string, number>) {
  const flags = definition();
  const flag = flags.flags['ritual-length'] as { targeting: { fractional: unknown[] } };
  flag.targeting.fractional = Object.entries(weights);
  return flags;
}

/** The definition with the LLM kill switch defaulting on or off. */
export function withKillSwitch(on: boolean) {
  const flags = definition();
  (flags.flags['rituals-llm-kill-switch'] as { defaultVariant: string }).defaultVariant = on ? 'on' : 'off';
  return flags;
}

/** A temporary flag file; `write` replaces it the way editors and kubelet do (a new file, renamed over). */
export function flagFile(content: unknown = definition()) {
  const dir = mkdtempSync(path.join(tmpdir(), 'flags-'));
  const file = path.join(dir, 'flags.json');
  const write = (next: unknown) => {
    writeFileSync(`${file}.tmp`, typeof next === 'string' ? next : JSON.stringify(next, null, 2));
    renameSync(`${file}.tmp`, file);
  };
  write(content);
  return { file, write };
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps its lines, shaped like the services' (pino: fields, then message). */
export function recordingLogger() {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message: string) =>
    void lines.push({ level, fields, message });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

/** Polls `read` until it returns `expected` or `timeoutMs` passes; answers the milliseconds it took. */
export async function until<T>(read: () => Promise<T>, expected: T, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if ((await read()) === expected) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Number.POSITIVE_INFINITY;
}
