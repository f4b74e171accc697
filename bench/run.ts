// npm run bench — runs every benchmark in turn; each prints its ratio against a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches = ['join-page.ts', 'annual-pdf.ts', 'supporter-search.ts', 'bank-import-review.ts', 'newsletter-send.ts', 'donations-export.ts', 'annual-report.ts'];
const only = process.argv[2];
let failed = 0;
for (const file of benches.filter((b) => !only || b.startsWith(only))) {
  process.stdout.write(`\n== ${file}\n`);
  const run = spawnSync(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [path.join(__dirname, file)], { stdio: 'inherit' });
  if (run.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
