import fs from 'node:fs';
import path from 'node:path';
import { projectPath } from '../../src/lib/project-root';
import { tempDir } from './services';

/** The committed migrations before `tag`, as a folder of their own (to test what a migration does to older data). */
export function migrationsBefore(tag: string): string {
  const source = projectPath('src', 'db', 'migrations');
  const journal = JSON.parse(fs.readFileSync(path.join(source, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const entries = journal.entries.slice(
    0,
    journal.entries.findIndex((e) => e.tag === tag),
  );
  const dir = tempDir('wf-migrations-');
  fs.mkdirSync(path.join(dir, 'meta'));
  fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const e of entries) fs.copyFileSync(path.join(source, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}
