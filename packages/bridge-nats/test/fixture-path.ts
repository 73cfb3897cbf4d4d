import { fileURLToPath } from 'node:url';

/** Absolute path of a script in test/fixtures (run as child processes, importing dist/). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}
