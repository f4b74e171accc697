import type { Browser, Page } from 'playwright-core';
import { createStaff } from '../../src/features/staff';
import { startTestApp, type TestApp } from '../helpers/app';
import { launchBrowser, screenshot, viewports } from '../helpers/browser';
import { STAFF_PASSWORD } from '../helpers/staff';

// Journeys done with the keyboard alone (Tab, Shift+Tab, Space, Enter and typing): every stop on the
// way must show where the focus is, and the first stop is the skip link to the page's content.

interface Focus {
  tag: string;
  id: string;
  name: string;
  type: string;
  value: string;
  text: string;
  isVisible: boolean;
}

/** What has the focus now, and whether it shows a focus indicator (an outline or a box shadow). */
function focused(page: Page): Promise<Focus> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: 'body', id: '', name: '', type: '', value: '', text: '', isVisible: false };
    const style = getComputedStyle(el);
    const hasOutline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const input = el as HTMLInputElement;
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: input.name ?? '',
      type: input.type ?? '',
      value: input.value ?? '',
      text: (el.innerText ?? '').trim().slice(0, 40),
      isVisible: hasOutline || style.boxShadow !== 'none',
    };
  });
}

const describeFocus = (f: Focus) => `${f.tag}${f.id ? `#${f.id}` : ''}${f.name ? `[name=${f.name}]` : ''}${f.text ? ` "${f.text}"` : ''}`;

/** Presses Tab (or Shift+Tab) until the focus is on what `isWanted` accepts, checking every stop on the way. */
async function tabTo(page: Page, isWanted: (f: Focus) => boolean, key: 'Tab' | 'Shift+Tab' = 'Tab', limit = 60): Promise<Focus> {
  const unseen: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    if (!f.isVisible) unseen.push(describeFocus(f));
    if (isWanted(f)) {
      expect(unseen).toEqual([]);
      return f;
    }
  }
  throw new Error(`${limit} presses of ${key} did not reach the wanted element`);
}

/** From a freshly loaded page: the first Tab stop is the visible skip link, and Enter moves the focus to #main. */
async function useSkipLink(page: Page): Promise<void> {
  await page.keyboard.press('Tab');
  const first = await focused(page);
  expect(first.tag).toBe('a');
  expect(await page.evaluate(() => document.activeElement?.classList.contains('skip-link'))).toBe(true);
  expect(first.isVisible).toBe(true);
  const box = await page.locator('.skip-link').boundingBox();
  expect(box && box.x >= 0 && box.y >= 0).toBe(true);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'main');
}

const byId = (id: string) => (f: Focus) => f.id === id;

describe('keyboard only', () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('when a person joins with the keyboard alone, then every stop shows its focus and the form reaches the checkout page', async () => {
    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    await page.goto(`${app.url}/family`);
    await useSkipLink(page);

    // The first plan: Tab reaches the radio group, Space chooses it.
    const plan = await tabTo(page, (f) => f.name === 'plan');
    await page.keyboard.press('Space');
    expect(await page.locator(`input[name=plan][value="${plan.value}"]`).isChecked()).toBe(true);

    await tabTo(page, (f) => f.name === 'kind');
    await page.keyboard.press('Space');
    await tabTo(page, byId('family_name'));
    await page.keyboard.type('佐藤');
    await tabTo(page, byId('given_name'));
    await page.keyboard.type('健');
    // Back and forth: Shift+Tab returns to the family name, as a person correcting a typo does.
    await tabTo(page, byId('family_name'), 'Shift+Tab');
    expect(await page.locator('#family_name').inputValue()).toBe('佐藤');
    await tabTo(page, byId('email'));
    await page.keyboard.type(`keys-${Date.now()}@example.jp`);
    await tabTo(page, (f) => f.name === 'privacy');
    await page.keyboard.press('Space');
    expect(await page.locator('input[name=privacy]').isChecked()).toBe(true);
    await screenshot(page, 'keyboard-join-ja-phone');
    await tabTo(page, (f) => f.tag === 'button' && f.type === 'submit');
    await page.keyboard.press('Enter');

    await page.waitForURL(/\/checkout\/cs_/);
    expect(await page.locator('body').innerText()).toContain(Number(plan.value).toLocaleString('ja-JP'));
    await context.close();
  });

  test('when a form comes back with errors after a keyboard submit, then the focus is on the summary and its link leads to the field', async () => {
    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    await page.goto(`${app.url}/family`);
    await useSkipLink(page);
    await tabTo(page, (f) => f.tag === 'button' && f.type === 'submit');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.hasAttribute('data-error-summary'));
    const link = await tabTo(page, (f) => f.tag === 'a');
    expect(link.text).toBe('お名前（姓）を入力してください。');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'family_name');
    await context.close();
  });

  test('when staff sign in with the keyboard alone, then every stop shows its focus and the dashboard opens', async () => {
    const email = `keys-${Date.now()}@welgee.example`;
    await createStaff(app.ctx.db, { email, name: 'Keys', role: 'staff', password: STAFF_PASSWORD });
    const context = await browser.newContext({ viewport: viewports.desktop });
    const page = await context.newPage();
    await page.goto(`${app.url}/admin/login`);
    await useSkipLink(page);
    await tabTo(page, byId('email'));
    await page.keyboard.type(email);
    await tabTo(page, byId('password'));
    await page.keyboard.type(STAFF_PASSWORD);
    await tabTo(page, (f) => f.tag === 'button' && f.type === 'submit');
    await screenshot(page, 'keyboard-admin-login-desktop');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin$/);
    await context.close();
  });

  test('when a supporter asks for a sign-in link with the keyboard alone, then every stop shows its focus and the page says the link is on its way', async () => {
    const context = await browser.newContext({ viewport: viewports.phone });
    const page = await context.newPage();
    await page.goto(`${app.url}/me`);
    await useSkipLink(page);
    await tabTo(page, byId('email'));
    await page.keyboard.type(`keys-me-${Date.now()}@example.jp`);
    await tabTo(page, (f) => f.tag === 'button' && f.type === 'submit');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/me\/login$/);
    expect(await page.locator('h1').innerText()).toBe('メールをご確認ください');
    await context.close();
  });
});
