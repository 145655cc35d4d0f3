// The first working slice, seen through a browser: signing in, the home page, the language
// switch, and an administrator setting up a new district and its secretary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { launch, TABLET, TABLET_PORTRAIT } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

const ADMIN = { username: 'admin', password: 'phonghop-demo' };

describe('foundation', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer({ name: 'foundation' });
    browser = await launch({ viewport: TABLET });
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Takes the same screen at landscape and portrait tablet sizes. */
  async function shots(name) {
    // Notices would hide part of the screen in a full-page picture.
    for (const close of await page.locator('.toast-close').all()) await close.click().catch(() => {});
    await screenshot(page, `${name}-1280x800`);
    await page.setViewportSize(TABLET_PORTRAIT);
    await screenshot(page, `${name}-800x1280`);
    await page.setViewportSize(TABLET);
  }

  async function signIn({ username, password }) {
    await page.getByLabel('Tên đăng nhập').fill(username);
    await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
    await page.getByTestId('login-submit').click();
  }

  async function signOut() {
    await page.getByTestId('user-menu').click();
    await page.getByTestId('logout').click();
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
  }

  test('an anonymous visitor is sent to the Vietnamese login page', async () => {
    await page.goto(`${server.url}/admin/users`);
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi');
    await shots('login');
  });

  test('a wrong password shows a readable Vietnamese error', async () => {
    await signIn({ username: ADMIN.username, password: 'sai-mat-khau' });
    const error = page.getByTestId('login-error');
    await error.waitFor();
    assert.equal((await error.textContent()).trim(), 'Tên đăng nhập hoặc mật khẩu không đúng.');
    assert.equal(await page.getByLabel('Mật khẩu', { exact: true }).inputValue(), '', 'the password is cleared');
    await screenshot(page, 'login-wrong-password');
  });

  test('repeated failures are throttled with a clear message', async () => {
    // A made-up account, so that the admin account itself stays usable.
    const error = page.getByTestId('login-error');
    let text = '';
    for (let i = 0; i < 8 && !text.includes('quá nhiều lần'); i++) {
      await signIn({ username: 'khong.ton.tai', password: `sai-${i}` });
      await page.getByTestId('login-submit').and(page.locator(':enabled')).waitFor();
      text = (await error.textContent()) ?? '';
    }
    assert.match(text, /Đăng nhập sai quá nhiều lần/);
    await screenshot(page, 'login-too-many');
  });

  test('the language switch turns the page into English and back, and is remembered', async () => {
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.ok(await page.getByLabel('Username').isVisible());
    await screenshot(page, 'login-english');

    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi');
  });

  test('the admin creates a district and its secretary, who then signs in and sees it', async () => {
    const district = { name: 'UBND huyện Nga Sơn', code: 'H-NS', abbreviation: 'UBND' };
    const secretary = {
      username: 'thuky.ngason',
      password: 'nga-son-2026',
      fullName: 'Mai Văn Khánh',
      title: 'Chánh Văn phòng HĐND và UBND huyện Nga Sơn',
    };

    await signIn(ADMIN);
    await page.getByRole('heading', { name: 'Xin chào, Quản trị hệ thống' }).waitFor();
    await page.getByTestId('my-orgs').waitFor();
    await shots('home-admin');

    // The district, under the province's People's Committee.
    await page.getByRole('link', { name: 'Quản trị' }).click();
    const tree = page.getByTestId('org-tree');
    await tree.getByText('UBND huyện Đông Sơn').waitFor();
    const form = page.getByTestId('org-form');
    const parent = await form.locator('select[name=parent_id] option', { hasText: 'UBND tỉnh Thanh Hóa' }).first().getAttribute('value');
    await form.getByLabel('Đơn vị cấp trên').selectOption(parent);
    await form.getByLabel('Cấp', { exact: true }).selectOption('district');
    await form.getByLabel('Tên đơn vị').fill(district.name);
    await form.getByLabel('Mã đơn vị').fill(district.code);
    await form.getByLabel('Chữ viết tắt').fill(district.abbreviation);
    await form.getByRole('button', { name: 'Tạo mới' }).click();
    await tree.getByText(district.name).waitFor();

    // The same code again: the server's message appears under the code field.
    await form.getByLabel('Tên đơn vị').fill('UBND huyện Nga Sơn (trùng mã)');
    await form.getByLabel('Mã đơn vị').fill(district.code);
    await form.getByLabel('Chữ viết tắt').fill(district.abbreviation);
    await form.getByRole('button', { name: 'Tạo mới' }).click();
    const codeField = form.locator('.field', { has: page.locator('input[name=code]') });
    await codeField.getByText('Mã này đã được dùng.').waitFor();
    assert.equal(await form.locator('input[name=code]').getAttribute('aria-invalid'), 'true');
    await shots('admin-organizations');

    await page.getByRole('link', { name: 'Điểm cầu' }).click();
    await page.getByText('Điểm cầu huyện Đông Sơn').waitFor();
    await shots('admin-meeting-points');

    // The secretary of the new district.
    await page.getByRole('link', { name: 'Người dùng' }).click();
    const userForm = page.getByTestId('user-form');
    await userForm.getByLabel('Họ và tên').fill(secretary.fullName);
    await userForm.getByLabel('Chức vụ').fill(secretary.title);
    const org = await userForm.locator('select[name=organization_id] option', { hasText: district.name }).first().getAttribute('value');
    await userForm.getByLabel('Đơn vị công tác').selectOption(org);
    await userForm.getByLabel('Tên đăng nhập').fill(secretary.username);
    await userForm.getByLabel('Mật khẩu ban đầu').fill(secretary.password);
    await userForm.getByLabel('Vai trò hệ thống').selectOption('secretary');
    await userForm.getByRole('button', { name: 'Tạo mới' }).click();
    await page.getByRole('cell', { name: secretary.username }).waitFor();
    await shots('admin-users');

    // The first password was handed over wrongly: the admin sets a new one.
    secretary.password = 'nga-son-moi-2026';
    await page.getByRole('button', { name: `Đặt lại mật khẩu: ${secretary.fullName}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Mật khẩu mới').fill('ngan');
    await dialog.getByRole('button', { name: 'Lưu' }).click();
    await dialog.getByText('Mật khẩu cần ít nhất 10 ký tự.').waitFor();
    await screenshot(page, 'admin-reset-password');
    await dialog.getByLabel('Mật khẩu mới').fill(secretary.password);
    await dialog.getByRole('button', { name: 'Lưu' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await signOut();
    await signIn(secretary);
    await page.getByRole('heading', { name: `Xin chào, ${secretary.fullName}` }).waitFor();
    const mine = page.getByTestId('my-orgs');
    await mine.getByText(district.name).waitFor();
    assert.equal((await page.getByTestId('header-org').textContent()).trim(), district.name);
    assert.equal(await page.getByRole('link', { name: 'Quản trị' }).count(), 0, 'no administration for a secretary');
    await shots('home-secretary');

    // Typing the address does not open administration either.
    await page.goto(`${server.url}/admin/users`);
    await page.getByText('Chỉ quản trị hệ thống mới xem được trang này.').waitFor();
    await page.getByRole('link', { name: 'Trang chủ' }).click();
    await page.getByTestId('my-orgs').waitFor();

    // In English the same page speaks English.
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: `Hello, ${secretary.fullName}` }).waitFor();
    await page.getByRole('heading', { name: 'My organizations' }).waitFor();
    await screenshot(page, 'home-secretary-english');
    await page.getByTestId('lang-switch').click();

    // The secretary replaces the password the admin handed over with one of their own.
    await page.getByTestId('user-menu').click();
    await page.getByTestId('account').click();
    const pwForm = page.getByTestId('password-form');
    await pwForm.getByLabel('Mật khẩu hiện tại').fill('sai-mat-khau-cu');
    await pwForm.getByLabel('Mật khẩu mới', { exact: true }).fill('rieng-cua-toi-2026');
    await pwForm.getByLabel('Nhập lại mật khẩu mới').fill('rieng-cua-toi-2027');
    await pwForm.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await pwForm.getByText('Hai mật khẩu mới không khớp.').waitFor();
    await pwForm.getByLabel('Nhập lại mật khẩu mới').fill('rieng-cua-toi-2026');
    await pwForm.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await pwForm.getByText('Mật khẩu hiện tại không đúng.').waitFor();
    await pwForm.getByLabel('Mật khẩu hiện tại').fill(secretary.password);
    await pwForm.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await page.getByText('Đã đổi mật khẩu.').waitFor();
    await screenshot(page, 'account-password-changed');
    await signOut();
    await signIn({ username: secretary.username, password: 'rieng-cua-toi-2026' });
    await page.getByRole('heading', { name: `Xin chào, ${secretary.fullName}` }).waitFor();
  });

  test('the app raised no uncaught errors', () => {
    assert.deepEqual(browser.pageErrors, []);
  });
});
