import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createStaff } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';
import { artifactsDir, launchBrowser, screenshot, viewports, openStaffPage, horizontalOverflow } from '../helpers/browser';
import { decodeExport, parseCsv } from '../helpers/csv';
import { seedLedger } from '../helpers/ledger-fixture';
import { STAFF_PASSWORD } from '../helpers/staff';

describe('finance exports in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  const email = `finance-exports-${Date.now()}@welgee.example`;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    await createStaff(app.ctx.db, { email, name: '経理 担当', role: 'finance', password: STAFF_PASSWORD });
    await seedLedger(app);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const signIn = (width: keyof typeof viewports) => openStaffPage(browser, app.url, email, STAFF_PASSWORD, { viewport: viewports[width], acceptDownloads: true });

  test.each(['desktop', 'phone'] as const)(
    'when finance export April for freee in Shift_JIS on a %s, then they see the first lines and totals, get the file and the list of replaced characters',
    async (width) => {
      const page = await signIn(width);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.getByRole('link', { name: '書き出し' }).click();
      await page.waitForURL(/\/admin\/exports$/);
      await page.locator('#from').fill('2026-04-01');
      await page.locator('#to').fill('2026-04-30');
      await page.locator('#format').selectOption('freee');
      await page.locator('#encoding').selectOption('cp932');
      await page.getByRole('button', { name: '内容を確認する' }).click();
      await page.waitForSelector('#preview-title');
      expect(await page.locator('[data-total="rows"]').innerText()).toBe('8');
      expect(await page.locator('[data-total="giftAmount"]').innerText()).toBe('￥49,000');
      expect(await page.locator('.export-sample tbody tr').count()).toBe(10);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await screenshot(page, `exports-preview-${width}`);

      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-download').click()]);
      const file = path.join(artifactsDir, `exports-freee-sjis-${width}.csv`);
      fs.mkdirSync(artifactsDir, { recursive: true });
      await download.saveAs(file);
      expect(download.suggestedFilename()).toBe('welgee-donations-freee-2026-04-01_2026-04-30-sjis.csv');
      const rows = parseCsv(decodeExport(fs.readFileSync(file), 'cp932'));
      expect(rows[0]![0]).toBe('収支区分');
      expect(rows).toHaveLength(12);

      await page.locator('#export-report table').waitFor();
      const report = await page.locator('#export-report').innerText();
      expect(report).toContain('U+20BB7');
      expect(report).toContain('2026-000004');
      await screenshot(page, `exports-report-${width}`);
      expect(errors).toEqual([]);
    },
  );

  test('when finance open the monthly summary and the English console, then the months and the history read well', async () => {
    const page = await signIn('desktop');
    await page.goto(`${app.url}/admin/exports/summary?year=2026`);
    expect(await page.locator('[data-total="gross"]').innerText()).toBe('￥50,000');
    await screenshot(page, 'exports-summary-desktop');
    await page.goto(`${app.url}/admin/exports?lang=en`);
    expect(await page.locator('h1').innerText()).toBe('Export donation records');
    await screenshot(page, 'exports-history-en-desktop');
    await page.goto(`${app.url}/admin/reconciliation`);
    await screenshot(page, 'reconciliation-empty-desktop');
  });
});
