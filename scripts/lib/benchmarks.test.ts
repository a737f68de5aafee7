import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBenchmarkSection } from './benchmarks.ts';

describe('benchmark sections', () => {
  it("updates only its own key of benchmarks.json and keeps the others' figures", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-'));
    const files = { json: path.join(dir, 'b.json'), md: path.join(dir, 'b.md') };
    await writeFile(files.json, JSON.stringify({ other: { description: 'x', figures: { a: 1 } } }));
    await writeBenchmarkSection('telemetry', { description: 'd', figures: { ratio: 0.9 } }, files);
    const json = JSON.parse(await readFile(files.json, 'utf8'));
    expect(json.other.figures).toEqual({ a: 1 });
    expect(json.telemetry.figures).toEqual({ ratio: 0.9 });
    expect(await readFile(files.md, 'utf8')).toMatch(/## telemetry[\s\S]*\| `ratio` \| 0\.9 \|/);
  });
});
