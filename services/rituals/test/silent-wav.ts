import { writeFile } from 'node:fs/promises';

/** A minimal valid WAV (44-byte header, 1 s of silence at 8 kHz mono 8-bit) instead of espeak-ng. */
export async function silentWav(_text: string, out: string): Promise<void> {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + 8000, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(8000, 40);
  await writeFile(out, Buffer.concat([header, Buffer.alloc(8000, 128)]));
}
