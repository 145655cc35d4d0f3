// Headless Chromium from the system package, with a fresh profile per launch and a fake camera
// and microphone (the video pages will need them). Never downloads a browser.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** The 10-inch tablets the delegates use, landscape and portrait. */
export const TABLET = { width: 1280, height: 800 };
export const TABLET_PORTRAIT = { width: 800, height: 1280 };

/**
 * Launches Chromium with its own profile directory.
 * @returns {Promise<{context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, pageErrors: string[], close: () => Promise<void>}>}
 */
export async function launch({ viewport = TABLET, locale = 'vi-VN', args = [] } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'phonghop-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...args],
    viewport,
    locale,
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  // Uncaught errors in the app fail the tests that check this list.
  const pageErrors = [];
  context.on('weberror', (e) => pageErrors.push(String(e.error())));
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Every demo account's password (cmd/phonghop/demo.go). */
export const DEMO_PASSWORD = 'phonghop-demo';

/**
 * Launches a browser of its own for one demo person and signs them in: each person is a separate
 * tablet, with separate cookies.
 */
export async function signedIn(serverUrl, username, password = DEMO_PASSWORD, opts = {}) {
  const b = await launch(opts);
  const page = b.page;
  await page.goto(`${serverUrl}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-menu').waitFor();
  return b;
}
