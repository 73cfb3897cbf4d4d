import { fileURLToPath } from 'node:url';

/** Absolute path of a plain-JS fixture under test/fixtures (they import the built package). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}
