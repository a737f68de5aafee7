// Compiles the package into dist/ for projects that install it: JavaScript and type declarations
// from src/ (tsconfig.build.json), the image pins (the repository's images.env) the containers
// default to, and the license. `npm pack` runs it; inside this repository the sources are used directly.
// Usage: node build.ts
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { compilePackage } from '../../scripts/lib/packages/declarations.ts';

const HERE = import.meta.dirname;
const DIST = path.join(HERE, 'dist');

await rm(DIST, { recursive: true, force: true });
await compilePackage(HERE, DIST);
await copyFile(path.join(HERE, '../../images.env'), path.join(DIST, 'images.env'));
await copyFile(path.join(HERE, '../../LICENSE'), path.join(DIST, 'LICENSE'));
