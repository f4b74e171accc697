import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

describe('install scripts of dependencies', () => {
  test('when npm lists the install scripts not covered by allowScripts, then there are none (npm install prints no warning)', () => {
    const out = execFileSync('npm', ['install-scripts', 'ls'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(out.trim()).toBe('No packages with unreviewed install scripts.');
  });
});
