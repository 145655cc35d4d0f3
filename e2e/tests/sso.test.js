// An official of the province signs in with the province's account: through the provider's own
// sign-in page, onto "my meetings" with their organization, and out again, ending the provider's
// session too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { launch, signedIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { startProvider } from '../lib/testop.js';

describe('province sign-in', () => {
  let provider;
  let server;
  let b;

  before(async () => {
    provider = await startProvider(['s-hoa:hoa.stnmt:mat-khau-tinh:Lê Thị Hòa:STNMT-TH:Chuyên viên phòng Đất đai']);
    server = await startServer({
      name: 'sso',
      env: (url) => ({
        PHONGHOP_OIDC_PROVIDERS: 'tinh',
        PHONGHOP_OIDC_TINH_ISSUER: provider.issuer,
        PHONGHOP_OIDC_TINH_CLIENT_ID: 'phonghop',
        PHONGHOP_OIDC_TINH_CLIENT_SECRET: 'phonghop-secret',
        PHONGHOP_OIDC_TINH_REDIRECT_URL: `${url}/api/auth/sso/tinh/callback`,
        PHONGHOP_OIDC_TINH_DISPLAY_NAME: 'Cổng đăng nhập tập trung tỉnh Thanh Hóa',
      }),
    });
    b = await launch();
  });

  after(async () => {
    await b?.close();
    await server?.stop();
    await provider?.stop();
  });

  test('an official signs in at the provider and lands on my meetings with their organization', async () => {
    const p = b.page;
    await p.goto(`${server.url}/login`);
    const button = p.getByTestId('sso-tinh');
    assert.equal((await button.textContent()).trim(), 'Đăng nhập bằng tài khoản của tỉnh');
    await button.click();
    await p.getByRole('heading', { name: 'Cổng đăng nhập tập trung của tỉnh' }).waitFor();
    assert.ok(p.url().startsWith(provider.issuer), `at ${p.url()}`);
    await p.getByLabel('Tên đăng nhập').fill('hoa.stnmt');
    await p.getByLabel('Mật khẩu').fill('mat-khau-tinh');
    await p.getByRole('button', { name: 'Đăng nhập' }).click();
    await p.getByTestId('user-menu').waitFor();
    assert.equal(new URL(p.url()).pathname, '/');
    await p.getByText('Cuộc họp của tôi').first().waitFor();
    assert.equal((await p.getByTestId('header-org').textContent()).trim(), 'Sở Tài nguyên và Môi trường');
    await p.getByText('Chuyên viên phòng Đất đai · Sở Tài nguyên và Môi trường').waitFor();
    await screenshot(p, 'sso-signed-in');
    assert.deepEqual(b.pageErrors, []);
  });

  test('signing out ends the provider session too', async () => {
    const p = b.page;
    await p.getByTestId('user-menu').click();
    await p.getByTestId('logout').click();
    await p.waitForURL(`${server.url}/login`);
    await p.getByTestId('sso-tinh').waitFor();
    await screenshot(p, 'sso-login-page');
    const session = await p.evaluate(() => fetch('/api/auth/session').then((r) => r.status));
    assert.equal(session, 401);
    // The provider asks for the password again: its own session has ended.
    await p.getByTestId('sso-tinh').click();
    await p.getByRole('heading', { name: 'Cổng đăng nhập tập trung của tỉnh' }).waitFor();
    await p.getByLabel('Mật khẩu').waitFor();
  });

  test('a refused sign-in comes back to the login page with a Vietnamese message', async () => {
    const p = b.page;
    await p.goto(`${server.url}/api/auth/sso/tinh/callback?state=gia-mao&code=gia-mao`);
    await p.waitForURL(/\/login\?sso_error=state/);
    const msg = await p.getByTestId('login-error').textContent();
    assert.match(msg, /Phiên đăng nhập qua cổng của tỉnh không hợp lệ hoặc đã hết hạn/);
    const session = await p.evaluate(() => fetch('/api/auth/session').then((r) => r.status));
    assert.equal(session, 401);
  });

  test('the admin users screen tells the province account from local ones', async () => {
    const admin = await signedIn(server.url, 'admin');
    try {
      const p = admin.page;
      await p.goto(`${server.url}/admin/users`);
      const row = p.getByRole('row').filter({ hasText: 'Lê Thị Hòa' });
      assert.equal((await row.getByTestId('user-account').textContent()).trim(), 'Tài khoản tỉnh · tinh');
      const adminRow = p.getByRole('row').filter({ has: p.getByText('admin', { exact: true }) });
      assert.equal((await adminRow.getByTestId('user-account').textContent()).trim(), 'Mật khẩu riêng');
      await screenshot(p, 'sso-admin-users');
    } finally {
      await admin.close();
    }
  });
});
