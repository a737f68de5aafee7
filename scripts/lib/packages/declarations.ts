// The published packages' type declarations: tsc emits them from the sources, whose relative imports
// name `.ts` files (the repository runs TypeScript directly); a consumer resolves the `.js` that sits
// beside each `.d.ts`, so the specifiers are rewritten. tsc rewrites them in JavaScript output
// (rewriteRelativeImportExtensions), not in declarations.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** Runs tsc on a package's build project, then points every relative `.ts` import of a `.d.ts` at `.js`. */
export async function compilePackage(packageDir: string, declarationsDir: string): Promise<void> {
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(packageDir, 'tsconfig.build.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `tsc -p ${path.relative(REPO_ROOT, packageDir)}/tsconfig.build.json failed:\n${stdout}${stderr}`,
    );
  }
  const files = await readdir(declarationsDir, { recursive: true, withFileTypes: true });
  for (const file of files.filter((f) => f.isFile() && f.name.endsWith('.d.ts'))) {
    const full = path.join(file.parentPath, file.name);
    const text = await readFile(full, 'utf8');
    await writeFile(full, rewriteSpecifiers(text));
  }
}

/** `from './x.ts'` and `import('./x.ts')` → `.js`; package and node: specifiers are left alone. */
export function rewriteSpecifiers(declaration: string): string {
  return declaration.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1$2.js$3');
}
