// Invitations that reach people: a delegate gives an e-mail address in the account (a wrong one
// is explained in Vietnamese), the secretary sends the invitations, the delegate's bell counts it
// live without a reload and opens the meeting from it, the mail with its calendar invitation
// arrives at a real SMTP server (Mailpit, on loopback), and the secretary sees it as sent on the
// participants tab.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { freePort, startServer } from '../lib/server.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function mailpitBinary() {
  const bin = process.env.MAILPIT_BIN;
  if (bin && existsSync(bin)) return bin;
  if (process.env.CI === 'true') throw new Error('MAILPIT_BIN is not set to an installed mailpit (.ci/run installs it)');
  return null;
}

/** Starts a Mailpit of this test's own on loopback ports; only that process is stopped. */
async function startMailpit(bin) {
  const smtpPort = await freePort();
  const httpPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'phonghop-e2e-mail-'));
  const proc = spawn(bin, ['--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${httpPort}`, '--database', join(dir, 'mail.db'),
    '--quiet', '--disable-version-check', '--smtp-disable-rdns'], { stdio: 'ignore' });
  const api = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${api}/api/v1/info`)).ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return { smtpPort, api, stop: () => proc.kill('SIGKILL') };
}

/** Calls the API from a signed-in page, with its CSRF token. */
function apiAs(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const s = await fetch('/api/auth/session').then((r) => r.json());
      const res = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

const bin = mailpitBinary();

describe('notifications', { skip: bin ? false : 'mailpit not found (set MAILPIT_BIN)' }, () => {
  let mail;
  let server;
  const browsers = [];
  let delegate;
  let secretary;
  let meetingId;
  const title = 'Họp triển khai kế hoạch cải cách hành chính 2027';
  const address = 'giamdoc.stnmt@thanhhoa.gov.vn';

  before(async () => {
    mail = await startMailpit(bin);
    server = await startServer({ name: 'notifications', env: {
      PHONGHOP_SMTP_HOST: '127.0.0.1', PHONGHOP_SMTP_PORT: String(mail.smtpPort), PHONGHOP_SMTP_SECURITY: 'none',
      PHONGHOP_SMTP_FROM: 'Văn phòng UBND tỉnh <phonghop@thanhhoa.gov.vn>', PHONGHOP_PUBLIC_URL: 'https://hop.thanhhoa.gov.vn' } });
    for (const who of ['giamdoc.stnmt', 'thuky']) {
      const b = await signedIn(server.url, who);
      browsers.push(b);
    }
    [delegate, secretary] = browsers.map((b) => b.page);
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
    mail?.stop();
  });

  test('the delegate gives an e-mail address; a wrong one is explained', async () => {
    await delegate.goto(`${server.url}/account`);
    const form = delegate.getByTestId('notify-form');
    await form.waitFor();
    await form.getByLabel('Địa chỉ thư điện tử').fill('giamdoc.stnmt@');
    await form.getByRole('button', { name: 'Lưu lựa chọn' }).click();
    await form.getByText('Địa chỉ thư điện tử không hợp lệ.').waitFor();
    await form.getByLabel('Địa chỉ thư điện tử').fill(address);
    await form.getByRole('button', { name: 'Lưu lựa chọn' }).click();
    await delegate.getByText('Đã lưu lựa chọn nhận thông báo.').waitFor();
    await screenshot(delegate, 'notifications-account');
  });

  test('the invitation reaches the bell live, opens the meeting, and arrives by mail with its calendar', async () => {
    await delegate.goto(`${server.url}/meetings`);
    await delegate.getByTestId('bell').waitFor();
    assert.equal(await delegate.getByTestId('bell-count').count(), 0);

    const orgs = await apiAs(secretary, 'GET', '/api/me/organizations');
    const org = orgs.body.items.find((o) => o.code === 'UBND-TH');
    const people = (await apiAs(secretary, 'GET', '/api/users')).body.items;
    const id = (u) => people.find((p) => p.username === u).id;
    const start = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    start.setUTCHours(1, 30, 0, 0);
    const created = await apiAs(secretary, 'POST', '/api/meetings', { organization_id: org.id, title, kind: 'in_person', place: 'Phòng họp số 1',
      starts_at: start.toISOString(), ends_at: new Date(start.getTime() + 2 * 3600 * 1000).toISOString(), chair_id: id('chutich'), secretary_id: id('thuky') });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    meetingId = created.body.id;
    const inv = await apiAs(secretary, 'POST', `/api/meetings/${meetingId}/participants`, { invitees: [{ user_id: id('giamdoc.stnmt'), role: 'delegate', can_vote: true }] });
    assert.equal(inv.status, 201);
    assert.equal((await apiAs(secretary, 'POST', `/api/meetings/${meetingId}/transition`, { action: 'schedule' })).status, 200);

    // Live: the count appears without a reload.
    await delegate.getByTestId('bell-count').getByText('1').waitFor({ timeout: 15_000 });
    await delegate.getByTestId('bell').click();
    const item = delegate.getByTestId('bell-list').getByText(`Giấy mời họp: ${title}`);
    await item.waitFor();
    await screenshot(delegate, 'notifications-bell');
    await item.click();
    await delegate.waitForURL(`**/meetings/${meetingId}`);
    await delegate.getByTestId('meeting-status').waitFor();
    await delegate.getByTestId('bell').waitFor();
    assert.equal(await delegate.getByTestId('bell-count').count(), 0, 'opening it marks it read');

    let msg;
    for (let i = 0; i < 100 && !msg; i++) {
      const list = await (await fetch(`${mail.api}/api/v1/messages`)).json();
      msg = list.messages.find((m) => m.To.some((t) => t.Address === address));
      if (!msg) await sleep(200);
    }
    assert.ok(msg, 'the invitation was mailed');
    assert.equal(msg.Subject, `Giấy mời họp: ${title}`);
    const raw = await (await fetch(`${mail.api}/api/v1/message/${msg.ID}/raw`)).text();
    assert.match(raw, /Content-Type: text\/calendar; method=REQUEST/);
    assert.match(raw, /invite\.ics/);
    const detail = await (await fetch(`${mail.api}/api/v1/message/${msg.ID}`)).json();
    assert.match(detail.HTML, new RegExp(`https://hop\\.thanhhoa\\.gov\\.vn/meetings/${meetingId}`));
  });

  test('the secretary sees the invitation as sent, per recipient and channel', async () => {
    await secretary.goto(`${server.url}/meetings/${meetingId}`);
    await secretary.getByTestId('tab-participants').click();
    const table = secretary.getByTestId('deliveries');
    await table.waitFor();
    const row = table.locator('tr', { hasText: address });
    await row.getByText('Đã gửi').waitFor({ timeout: 15_000 });
    assert.match(await row.textContent(), /Giấy mời/);
    assert.match(await row.textContent(), /Thư điện tử/);
    await screenshot(secretary, 'notifications-deliveries');
  });
});
