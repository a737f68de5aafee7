import { Writable } from 'node:stream';

/** A pino destination that keeps every JSON line in memory (pino writes synchronously to it). */
export class LineCollector extends Writable {
  readonly lines: string[] = [];

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') this.lines.push(line);
    callback();
  }

  /** Parsed lines. */
  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  text(): string {
    return this.lines.join('\n');
  }

  clear(): void {
    this.lines.length = 0;
  }
}
