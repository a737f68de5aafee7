import { spawn } from 'node:child_process';

export interface SynthesisOptions {
  /** espeak-ng voice, e.g. `en-us`. */
  voice: string;
  /** Words per minute. */
  wordsPerMinute: number;
  timeoutMs: number;
  /** The espeak-ng binary; `espeak-ng` on PATH by default. */
  binary?: string;
}

/**
 * Speaks `text` into a WAV file with espeak-ng. The text goes in on stdin, never on the command
 * line, so no text can be read as an option and nothing is interpreted by a shell.
 */
export function synthesise(text: string, outFile: string, options: SynthesisOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.binary ?? 'espeak-ng',
      ['-v', options.voice, '-s', String(options.wordsPerMinute), '-w', outFile, '--stdin'],
      { stdio: ['pipe', 'ignore', 'pipe'], timeout: options.timeoutMs },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk;
    });
    child.on('error', (error) =>
      reject(
        new Error(`espeak-ng could not be started (${error.message}) — install espeak-ng`, { cause: error }),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new Error(`espeak-ng failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(0, 200)}`));
    });
    child.stdin.on('error', () => {}); // the close handler reports the failure
    child.stdin.end(text);
  });
}

/** espeak-ng's version line, or an error saying it is missing: the readiness check of synthesis. */
export function espeakVersion(binary = 'espeak-ng'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', (error) =>
      reject(new Error(`espeak-ng not found (${error.message}) — install espeak-ng`)),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`espeak-ng exited ${code}`)),
    );
  });
}

/** Reads the duration of a PCM WAV file from its header (bytes of data / byte rate). */
export function wavDurationSeconds(wav: Buffer): number {
  if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'fmt ') byteRate = wav.readUInt32LE(offset + 16);
    if (id === 'data') {
      if (byteRate === 0) throw new Error('WAV data chunk before its fmt chunk');
      // espeak-ng streams to the file and may leave the size field at its placeholder; trust the file length.
      const dataBytes = Math.min(size, wav.length - offset - 8);
      return dataBytes / byteRate;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}
