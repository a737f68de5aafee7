import { createReadStream } from 'node:fs';
import { access, constants, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface RitualRecord {
  id: string;
  intention: string;
  text: string;
  model: string;
  audioSeconds: number;
  createdAt: string;
}

const ID = /^[0-9a-f-]{36}$/;

/** Rituals on disk: `<id>.json` for the record and `<id>.wav` for its audio, under one directory. */
export class RitualStorage {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Readiness: the directory exists and this process may write to it. */
  async check(): Promise<void> {
    await access(this.dir, constants.W_OK);
  }

  audioPath(id: string): string {
    if (!ID.test(id)) throw new Error('invalid ritual id');
    return path.join(this.dir, `${id}.wav`);
  }

  async save(record: RitualRecord): Promise<void> {
    const target = path.join(this.dir, `${record.id}.json`);
    await writeFile(`${target}.tmp`, JSON.stringify(record));
    await rename(`${target}.tmp`, target);
  }

  async get(id: string): Promise<RitualRecord | undefined> {
    if (!ID.test(id)) return undefined;
    try {
      return JSON.parse(await readFile(path.join(this.dir, `${id}.json`), 'utf8')) as RitualRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  openAudio(id: string): Readable {
    return createReadStream(this.audioPath(id));
  }
}
