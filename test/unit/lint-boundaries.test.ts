import path from 'node:path';
import { ESLint } from 'eslint';

// The lint config's boundary rule: another feature is used only through its index.ts.
const root = path.resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(path.join(root, 'eslint.config.js'));
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config });

async function rulesBroken(file: string, specifier: string): Promise<string[]> {
  const code = `import * as other from '${specifier}';\nexport const used = other;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('lint: feature boundaries', () => {
  it.each([
    ['src/features/annual-reports/probe.ts', '../newsletters/audience'],
    ['src/features/annual-reports/probe.ts', '../giving/receipt-pdf'],
    ['src/features/exports/formats/probe.ts', '../../giving/gift-values'],
    ['src/app-probe.ts', './features/health/health.routes'],
    ['src/cli/probe.ts', '../features/supporters/prefectures'],
    ['jobs/probe.ts', '../src/features/newsletters/rhythm.service'],
  ])("when %s imports %s (another feature's file), then lint refuses it", async (file, specifier) => {
    expect(await rulesBroken(file, specifier)).toEqual(['no-restricted-imports']);
  });

  it.each([
    ['src/features/annual-reports/probe.ts', '../newsletters'],
    ['src/features/annual-reports/probe.ts', './annual-reports.service'],
    ['src/features/exports/formats/probe.ts', '../ledger-rows'],
    ['src/features/exports/formats/probe.ts', '../../giving'],
    ['src/app-probe.ts', './features/health'],
    ['jobs/probe.ts', '../src/features/newsletters'],
    ['test/unit/probe.ts', '../../src/features/newsletters/audience'],
  ])('when %s imports %s (an index.ts or its own feature), then lint accepts it', async (file, specifier) => {
    expect(await rulesBroken(file, specifier)).toEqual([]);
  });
});
