#!/usr/bin/env tsx
// npm run bench [-- <name> ...]: runs the benchmark scripts in scripts/bench/ (all by default).
// Each writes only its own section of docs/benchmarks.json and regenerates docs/benchmarks.md.
import { readdir } from 'node:fs/promises';
import path from 'node:path';

const dir = path.join(import.meta.dirname, 'bench');
const available = (await readdir(dir)).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')} — available: ${available.join(', ') || 'none yet'}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`▶ bench ${name}`);
  const bench = (await import(path.join(dir, `${name}.ts`))) as { run: () => Promise<void> };
  await bench.run();
}
