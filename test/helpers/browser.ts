import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const artifactsDir = path.resolve(__dirname, '..', 'artifacts');
const executablePath = '/usr/bin/chromium';

export const viewports = {
  phone: { width: 375, height: 812 },
  tablet: { width: 820, height: 1180 },
  desktop: { width: 1280, height: 900 },
} as const;

/** Launches Debian's Chromium headless with the flags this offline machine needs. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(executablePath)) {
    throw new Error('Chromium is not installed: run `apt-get install chromium fonts-noto-cjk` (.ci/run does this).');
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Saves a full-page screenshot under test/artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Signs a staff member in through the console's own form and waits for the dashboard. */
export async function signInStaffInBrowser(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(/\/admin$/);
}

/** A new page in its own context (viewport, downloads…) with a staff member signed in through the console's form. */
export async function openStaffPage(
  browser: Browser,
  baseUrl: string,
  email: string,
  password: string,
  options: BrowserContextOptions,
  onPage?: (page: Page) => void,
): Promise<Page> {
  const page = await (await browser.newContext(options)).newPage();
  onPage?.(page);
  await signInStaffInBrowser(page, baseUrl, email, password);
  return page;
}

/** How many pixels the page is wider than the window (0 or less: nothing scrolls sideways). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
