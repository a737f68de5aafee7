import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const web = path.join(import.meta.dirname, '..');

// The root tsconfig has no DOM library, so the browser code has its own project (services/web/tsconfig.json).
it('the browser app type-checks against the DOM library', { timeout: 120_000 }, async () => {
  const tsc = path.join(web, '../../node_modules/typescript/bin/tsc');
  const result = await promisify(execFile)(process.execPath, [
    tsc,
    '--noEmit',
    '-p',
    path.join(web, 'tsconfig.json'),
  ]).then(
    () => ({ code: 0, output: '' }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  );
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
});
