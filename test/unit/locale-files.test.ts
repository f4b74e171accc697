import fs from 'node:fs';
import path from 'node:path';
import { catalog } from '../../src/lib/i18n';

const root = path.join(__dirname, '../..');
const features = fs.readdirSync(path.join(root, 'src/features'));

function viewFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return viewFiles(full);
    return e.name.endsWith('.hbs') ? [full] : [];
  });
}

describe('locale files', () => {
  test('when a feature keeps its own messages, then the file is named after a folder in src/features', () => {
    const names = fs.readdirSync(path.join(root, 'src/locales')).filter((f) => /\.(ja|en)\.json$/.test(f));
    const strays = names.map((f) => f.replace(/\.(ja|en)\.json$/, '')).filter((name) => !features.includes(name));
    expect(strays).toEqual([]);
  });

  test('when a feature file holds keys, then they start with the feature name', () => {
    for (const file of fs.readdirSync(path.join(root, 'src/locales')).filter((f) => f.endsWith('.ja.json'))) {
      const feature = file.replace('.ja.json', '');
      const keys = Object.keys(JSON.parse(fs.readFileSync(path.join(root, 'src/locales', file), 'utf8')) as object);
      // Keys begin with a plain word (annual-reports → annual.); email.<template>.* belongs to the feature sending it.
      const prefix = `${feature.split('-')[0]}.`;
      const strays = keys.filter((k) => !k.startsWith(prefix) && !k.startsWith('email.'));
      expect({ file, strays }).toEqual({ file, strays: [] });
    }
  });
});

describe('message keys in views', () => {
  const views = viewFiles(path.join(root, 'views'));
  const uses = views.flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    const literal = [...text.matchAll(/[{(]t\s+"([^"]+)"/g)].map((m) => ({ file: path.relative(root, file), key: m[1]!, prefix: false }));
    // {{t (concat "me.subStatus." status)}}: the fixed part must begin at least one key.
    const built = [...text.matchAll(/[{(]t\s+\(concat\s+"([^"]+)"/g)].map((m) => ({ file: path.relative(root, file), key: m[1]!, prefix: true }));
    return [...literal, ...built];
  });

  test('when the views are read, then they use message keys at all (the pattern still matches)', () => {
    expect(uses.filter((u) => !u.prefix).length).toBeGreaterThan(500);
    expect(uses.filter((u) => u.prefix).length).toBeGreaterThan(0);
  });

  test.each(['ja', 'en'] as const)('when a view names a message key, then %s has it', (locale) => {
    const keys = Object.keys(catalog(locale));
    const missing = uses.filter((u) => (u.prefix ? !keys.some((k) => k.startsWith(u.key)) : !keys.includes(u.key)));
    expect(missing).toEqual([]);
  });
});

describe('message keys in TypeScript', () => {
  test('when a feature keeps a ja file, then src/locales/keys.ts takes its keys into MessageKey', () => {
    const keysFile = fs.readFileSync(path.join(root, 'src/locales/keys.ts'), 'utf8');
    const files = fs.readdirSync(path.join(root, 'src/locales')).filter((f) => f.endsWith('.ja.json'));
    const unlisted = files.filter((f) => !new RegExp(`import type (\\w+) from '\\./${f.replace(/\./g, '\\.')}';[\\s\\S]*keyof typeof \\1\\b`).test(keysFile));
    expect(unlisted).toEqual([]);
  });

  test('when source code writes a key as a string (a schema message, a key passed along), then ja has it', () => {
    const keys = Object.keys(catalog('ja'));
    const areas = new Set(keys.map((k) => k.split('.')[0]));
    const files = ['src', 'jobs'].flatMap((dir) => sourceFiles(path.join(root, dir)));
    const missing: string[] = [];
    let checked = 0;
    // The list of audit actions (src/features/audit/audit-actions.ts) is dotted too, but holds no messages.
    for (const file of files.filter((f) => !f.endsWith('audit-actions.ts'))) {
      // Audit actions (action: 'settings.edit') are dotted too, but are not messages.
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?<!action: )['"`]([a-z]+(?:\.[A-Za-z0-9_-]+)+\.?)['"`]/g)) {
        const key = m[1]!;
        if (!areas.has(key.split('.')[0]!)) continue;
        checked++;
        const known = key.endsWith('.') ? keys.some((k) => k.startsWith(key)) : keys.includes(key);
        if (!known) missing.push(`${path.relative(root, file)}: ${key}`);
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(missing).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return full.endsWith('locales') ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}
