// How long an edit takes to reach a running service: from the write of a source file to the first 200
// the service answers from the restarted process. A restart shows as a gap (refused, or 503 while it
// stops) between the answers of the old process and those of the new one, so the first 200 after a
// gap that began after the write comes from code that read the edited file.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

export interface ReloadOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** Between a reload and the next edit, as a developer looks at the result before editing again. */
  pauseMs?: number;
}

/** Whether the URL answers 200 within the timeout. */
export async function answers200(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Waits for `url` to answer 200 (a service that has started). */
export async function untilAnswering(url: string, options: ReloadOptions = {}): Promise<void> {
  const { timeoutMs = 120_000, pollMs = 200 } = options;
  const started = performance.now();
  while (!(await answers200(url))) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Waits for `url` to answer 200 after a gap that started after now; returns the milliseconds. */
export async function untilReloaded(url: string, options: ReloadOptions = {}): Promise<number> {
  const { timeoutMs = 60_000, pollMs = 20 } = options;
  const started = performance.now();
  let gap = false;
  while (performance.now() - started < timeoutMs) {
    const ok = await answers200(url);
    if (!ok) gap = true;
    else if (gap) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(
    `${url} did not restart within ${timeoutMs / 1000} s of the edit — is the watch running (npm run dev -- --watch)?`,
  );
}

/**
 * Edits `file` (a comment appended), measures until `url` answers from the restarted service, and puts
 * the file back as it was, waiting for that reload too. Returns both times in milliseconds.
 */
export async function editToReload(
  file: string,
  url: string,
  options: ReloadOptions = {},
): Promise<number[]> {
  const original = readFileSync(file, 'utf8');
  const reloaded = untilReloaded(url, options);
  appendFileSync(file, `\n// edit-to-reload probe ${new Date().toISOString()}\n`);
  try {
    const edit = await reloaded;
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 0));
    const restored = untilReloaded(url, options);
    writeFileSync(file, original);
    return [edit, await restored];
  } finally {
    if (readFileSync(file, 'utf8') !== original) writeFileSync(file, original);
  }
}
