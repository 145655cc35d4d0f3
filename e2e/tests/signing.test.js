// The chair approves the minutes in the session and signs them right there with the remote
// signing service: account and password, an OTP "sent" to the phone (read here from the test
// service), then the server files the minutes with the chair's signature and the agency's seal.
// A wrong OTP is refused with a Vietnamese message and files nothing; the register entry page
// shows both signatures, valid and trusted. The CA, OCSP, CRL, TSA and signing service are
// bin/cscservice on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

async function startSigningService(dir) {
  const bin = process.env.CSC_SERVICE_BIN || join(repo, 'bin', 'cscservice');
  const child = spawn(bin, ['-dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((res, rej) => {
    child.once('error', rej);
    child.once('exit', (code) => rej(new Error(`cscservice exited ${code}`)));
    createInterface({ input: child.stdout }).once('line', res);
  });
  return { ...JSON.parse(line), stop: () => child.kill('SIGTERM') };
}

// api calls the server from a page, as the page's own code would.
const api = (page, method, path, body) => page.evaluate(async ([method, path, body]) => {
  const csrf = (await (await fetch('/api/auth/session')).json()).csrf_token;
  const res = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}, [method, path, body]);

describe('signing', () => {
  let dir;
  let csc;
  let server;
  const browsers = [];
  let chair;
  let sec;
  let meetingId;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phonghop-e2e-signing-'));
    csc = await startSigningService(dir);
    server = await startServer({
      name: 'signing',
      env: {
        PHONGHOP_SIGN_TRUST_ANCHORS: csc.ca, PHONGHOP_SIGN_CSC_URL: csc.csc_url, PHONGHOP_SIGN_TSA_URL: csc.tsa_url,
        PHONGHOP_SIGN_CSC_TIMEOUT: '10s', PHONGHOP_SIGN_REQUIRE_REVOCATION: 'true',
        PHONGHOP_SIGNING_CERT: csc.seal_cert, PHONGHOP_SIGNING_KEY: csc.seal_key,
      },
    });
    for (const [name, user] of [['chair', 'chutich'], ['sec', 'thuky']]) {
      const b = await signedIn(server.url, user);
      browsers.push(b);
      if (name === 'chair') chair = b.page;
      else sec = b.page;
    }
    await chair.goto(`${server.url}/meetings`);
    await chair.getByRole('link', { name: /Hội nghị giao ban trực tuyến/ }).click();
    await chair.getByTestId('meeting-status').waitFor();
    meetingId = Number(chair.url().split('?')[0].split('/').pop());
    await chair.getByTestId('action-start').click();
    await chair.getByTestId('meeting-status').getByText('Đang họp').waitFor();
    // The secretary writes the minutes from the draft and sends them to the chair.
    await sec.goto(`${server.url}/meetings/${meetingId}`);
    const draft = await api(sec, 'GET', `/api/meetings/${meetingId}/records/minutes/draft`);
    assert.equal(draft.status, 200);
    const saved = await api(sec, 'PUT', `/api/meetings/${meetingId}/records/minutes`, { base_version: 0, content: draft.body });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const me = await chair.evaluate(async () => (await (await fetch('/api/auth/session')).json()).user.id);
    const asked = await api(sec, 'POST', `/api/meetings/${meetingId}/approvals`, { subject_kind: 'minutes', leader_id: me });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
    csc?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the chair approves and signs with the remote signing service; a wrong OTP is refused', async () => {
    await chair.goto(`${server.url}/meetings/${meetingId}?tab=approvals`);
    await chair.getByTestId('approve').click();
    await chair.getByTestId('approval-status').getByText(/Đã phê duyệt|phê duyệt/).waitFor();
    await chair.getByTestId('sign-approval').click();
    const panel = chair.getByTestId('sign-panel');
    await panel.waitFor();
    await chair.getByTestId('sign-user').fill(csc.user);
    await chair.getByTestId('sign-password').fill(csc.password);
    await chair.getByTestId('sign-send-otp').click();
    await chair.getByTestId('sign-otp-sent').waitFor();

    // A mistyped OTP: refused, said in Vietnamese, and nothing filed.
    await chair.getByTestId('sign-otp').fill('000000x');
    await chair.getByTestId('sign-submit').click();
    await chair.locator('.toast').getByText('Mã OTP không đúng hoặc đã hết hạn').waitFor();
    assert.equal(await panel.count(), 1, 'the signing panel closed after a refusal');

    const otp = (await (await fetch(`${csc.otp_url}?user=${csc.user}`)).json()).otp;
    assert.match(otp, /^\d{6}$/);
    await chair.getByTestId('sign-otp').fill(otp);
    const signed = chair.waitForResponse((r) => r.url().endsWith(`/sign`) && r.request().method() === 'POST');
    await chair.getByTestId('sign-submit').click();
    const res = await signed;
    const entry = await res.json();
    assert.equal(res.status(), 201, JSON.stringify(entry));
    assert.match(entry.symbol, /^\d{2}\/BB-/);
    await chair.locator('.toast').getByText(`Đã ký số và vào sổ: ${entry.symbol}`).waitFor();
    await screenshot(chair, 'signing-chair');

    // The register entry page shows the chair's signature and the agency's, both holding.
    await sec.goto(`${server.url}/register/${entry.id}`);
    const items = sec.getByTestId('entry-signature');
    await items.first().waitFor();
    assert.equal(await items.count(), 2);
    const texts = await items.allTextContents();
    assert.match(texts[0], /Lãnh đạo: Đỗ Minh Tuấn — Hợp lệ, chứng thư được tin cậy/);
    assert.match(texts[0], /dấu thời gian/);
    assert.match(texts[0], /ký từ xa/);
    assert.match(texts[1], /Cơ quan: UBND tỉnh Thanh Hóa — Hợp lệ, chứng thư được tin cậy/);
    await screenshot(sec, 'signing-entry');
  });
});
