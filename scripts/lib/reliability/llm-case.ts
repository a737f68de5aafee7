// The LLM fault case is written beside the rituals deadline and circuit breaker it measures, in
// scripts/lib/reliability/llm-faults.ts. The contract: it exports
//   async function runLlmFaults(stack: BenchStack): Promise<Record<string, number | string | null>>
// returning figures for the bench's section, `llm_timeout_p99_ms` and `rituals_deadline_ms` among them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BenchStack } from './stack.ts';

export const LLM_FAULTS_MODULE = path.join(import.meta.dirname, 'llm-faults.ts');

export type LlmFigures = Record<string, number | string | null>;

/** The LLM case's figures, or why there are none. */
export async function llmFaultsCase(
  stack: BenchStack,
): Promise<{ figures: LlmFigures } | { missing: string }> {
  if (!existsSync(LLM_FAULTS_MODULE)) {
    return { missing: 'scripts/lib/reliability/llm-faults.ts (the LLM fault case) does not exist yet' };
  }
  const module = (await import(LLM_FAULTS_MODULE)) as Record<string, unknown>;
  const run = module.runLlmFaults;
  if (typeof run !== 'function') {
    return {
      missing: `llm-faults.ts exports no runLlmFaults (it has: ${Object.keys(module).join(', ') || 'nothing'})`,
    };
  }
  return { figures: (await run(stack)) as LlmFigures };
}
