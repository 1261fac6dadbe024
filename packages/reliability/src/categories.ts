/** The probe categories: every compiled `probes/*.js` next to this package's `src/`. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../probes/', import.meta.url));

export interface Category {
  name: string;
  modulePath: string;
}

export function categories(): Category[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => ({ name: f.slice(0, -3), modulePath: DIR + f }));
}
