import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds a file of the built `dist/` folder: beside the running bundle first (the shipped layout), then in the
 * repository's dist/ (tests run from .test-build/, with RECLAB_ROOT set by scripts/run-tests.mjs).
 */
export function findDistFile(name: string): string | null {
  const candidates = [path.join(__dirname, name)];
  if (process.env.RECLAB_ROOT) candidates.push(path.join(process.env.RECLAB_ROOT, 'dist', name));
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    candidates.push(path.join(dir, 'dist', name));
    dir = path.dirname(dir);
  }
  for (const c of candidates) if (fs.existsSync(c)) return c;
  return null;
}

export function requireDistFile(name: string): string {
  const p = findDistFile(name);
  if (!p) throw new Error(`cannot find ${name} in the built dist/ folder (run \`npm run build\`)`);
  return p;
}
