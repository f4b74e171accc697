import fs from 'node:fs';
import path from 'node:path';

// The README's architecture tree names every feature folder, so the map stays true to the code.
const root = path.resolve(__dirname, '../..');

function featureFolders(): string[] {
  return fs
    .readdirSync(path.join(root, 'src/features'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

/** The tree block of the README: the code block that starts with `config/`. */
function readmeTree(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks = readme.split('```').filter((_, i) => i % 2 === 1);
  const tree = blocks.find((block) => /^\s*config\/\s/m.test(block) && /^\s*src\//m.test(block));
  if (!tree) throw new Error('README.md has no tree block starting with config/ and src/');
  return tree;
}

describe('README architecture tree', () => {
  it('when a folder exists under src/features, then the tree names it', () => {
    const tree = readmeTree();
    const missing = featureFolders().filter((name) => !new RegExp(`^\\s+${name}/\\s`, 'm').test(tree));
    expect(missing).toEqual([]);
  });

  it('when the tree names a feature folder, then it exists', () => {
    const tree = readmeTree();
    const afterFeatures = tree.split(/^\s+features\/.*$/m)[1] ?? '';
    const named = [...afterFeatures.matchAll(/^ {4}([a-z-]+)\/\s/gm)].map((m) => m[1]);
    expect(named.sort()).toEqual(featureFolders().sort());
  });

  it('when the tree lists the top folders, then src/cli/ is in it, and the job contracts and enqueue where src/lib/ holds them', () => {
    const tree = readmeTree();
    expect(tree).toMatch(/^\s+cli\/\s/m);
    const libLine = /^\s+lib\/\s.*$/m.exec(tree)?.[0] ?? '';
    expect(libLine).toMatch(/\bjob-contracts\b/);
    expect(libLine).toMatch(/\benqueue\b/);
  });
});
