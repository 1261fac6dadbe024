// Regenerates native/prims.gen.h from the built op list (run `pnpm build` first).
import { writeFileSync } from 'node:fs';
import { primsHeader } from '../dist/ops.js';

const path = new URL('../native/prims.gen.h', import.meta.url);
writeFileSync(path, primsHeader());
console.log(`wrote ${path.pathname}`);
