import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import type { FlagdProvider } from '@openfeature/flagd-provider';
import type { Logger as OpenFeatureLogger } from '@openfeature/server-sdk';

/** The flagd provider's resolution service (its constructor's third parameter; not exported by name). */
type FlagdService = NonNullable<ConstructorParameters<typeof FlagdProvider>[2]>;

/** What the flag file reports, as JSON log lines of the service's logger. */
export interface FlagFileLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * How often the file is polled. flagd-provider's own file mode polls with fs.watchFile's default of
 * 5007 ms, which misses the "an edit takes effect within 5 s" promise; a stat a second costs nothing.
 * Polling (not fs.watch) because inotify does not cross Docker Desktop's bind mounts, and a ConfigMap
 * update swaps a symlink that only a stat of the path sees.
 */
export const FLAG_FILE_POLL_MS = 1000;

const quiet: OpenFeatureLogger = { error() {}, warn() {}, info() {}, debug() {} };

/** The first schema error of flagd's validator, not its whole JSON dump. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const schemaError = /"instancePath":\s*"([^"]*)"[\s\S]*?"message":\s*"([^"]*)"/.exec(message);
  if (schemaError) return `${schemaError[1] || '(root)'} ${schemaError[2]} (flagd schema)`;
  return `${message.split('\n')[0]}${cause}`;
}

/**
 * flagd's in-process evaluation (flagd-core) over one flag file, for the flagd provider. Each version of
 * the file is validated strictly against flagd's schema before it replaces the flags: a file that is
 * not JSON, or is JSON flagd would half-read (`{}`, a flag without variants), is refused with one error
 * line and the last good flags keep serving. flagd-provider's file mode validates leniently, so `{}`
 * would silently turn every flag to its code default.
 */
export class FlagFile implements FlagdService {
  readonly path: string;
  readonly #logger: FlagFileLogger;
  readonly #storage = new MemoryStorage(quiet);
  readonly #core = new FlagdCore(this.#storage, quiet);
  /** The text last applied or last refused: an unchanged file is not re-read into an error again. */
  #lastText: string | undefined;
  #loaded = false;
  #watching = false;

  constructor(path: string, logger: FlagFileLogger) {
    this.path = path;
    this.#logger = logger;
  }

  /** Whether a valid version of the file was ever loaded (until then every flag is at its default). */
  get loaded(): boolean {
    return this.#loaded;
  }

  async connect(
    reconnect: () => void,
    changed: (flagsChanged: string[]) => void,
    _disconnect: (message: string) => void,
  ): Promise<void> {
    this.#watching = true;
    watchFile(this.path, { interval: FLAG_FILE_POLL_MS, persistent: false }, () => {
      void this.#reload().then((result) => {
        if (result === 'first-load') reconnect();
        else if (Array.isArray(result) && result.length > 0) changed(result);
      });
    });
    const result = await this.#reload();
    if (result === 'refused') {
      // The provider starts in error (evaluations answer the code defaults) and turns ready on the
      // first valid version the watcher reads.
      throw new Error(`flag file ${this.path} has no valid version yet`);
    }
  }

  async disconnect(): Promise<void> {
    if (this.#watching) unwatchFile(this.path);
    this.#watching = false;
  }

  /** Reads the file and applies it when it is new and valid; the flags that changed, or what happened. */
  async #reload(): Promise<string[] | 'unchanged' | 'refused' | 'first-load'> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      return this.#refuse(
        '(unreadable)',
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    if (text === this.#lastText) return 'unchanged';
    try {
      const changes = this.#storage.setConfigurations(text, true);
      this.#lastText = text;
      const first = !this.#loaded;
      this.#loaded = true;
      this.#logger.info(
        { flags_file: this.path, flags: this.#storage.getFlags().size, flags_changed: changes },
        first ? 'feature flags loaded' : 'feature flags reloaded',
      );
      return first ? 'first-load' : changes;
    } catch (error) {
      return this.#refuse(text, `is invalid — ${reason(error)}`);
    }
  }

  #refuse(text: string, problem: string): 'refused' {
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#logger.error(
        { flags_file: this.path, flags_kept: this.#storage.getFlags().size },
        `flag file ${this.path} ${problem}; ${this.#loaded ? 'the last good flags stay in force' : 'every flag stays at its default'} until it is fixed`,
      );
    }
    return 'refused';
  }

  clearCache(): void {
    // Nothing is cached: every evaluation runs on the flags in memory.
  }

  async resolveBoolean(...[key, fallback, context, logger]: Parameters<FlagdService['resolveBoolean']>) {
    return this.#core.resolveBooleanEvaluation(key, fallback, context, logger);
  }

  async resolveString(...[key, fallback, context, logger]: Parameters<FlagdService['resolveString']>) {
    return this.#core.resolveStringEvaluation(key, fallback, context, logger);
  }

  async resolveNumber(...[key, fallback, context, logger]: Parameters<FlagdService['resolveNumber']>) {
    return this.#core.resolveNumberEvaluation(key, fallback, context, logger);
  }

  resolveObject: FlagdService['resolveObject'] = async (key, fallback, context, logger) =>
    this.#core.resolveObjectEvaluation(key, fallback, context, logger);
}
