import fs from 'node:fs';
import path from 'node:path';

// The app reads files that are not compiled (views/, src/locales/, src/db/migrations/) from the project
// folder, the one holding package.json: the same folder whether this file runs as src/lib/*.ts (tsx) or
// as dist/src/lib/*.js (node, in the image).
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`package.json not found above ${from}`);
  }
}

/** The project folder (the checkout, or /app in the container image). */
export const projectRoot = findProjectRoot(__dirname);

/** A path inside the project folder, e.g. projectPath('views'). */
export function projectPath(...parts: string[]): string {
  return path.join(projectRoot, ...parts);
}
