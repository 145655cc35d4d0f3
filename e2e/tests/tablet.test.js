// The meeting on tablets, as its people live it: a delegate in portrait (768×1024) and the chair
// in landscape (1024×768) with Chromium's fake camera, against the real SFU in the loopback-only
// namespace. The delegate raises a hand on the video screen, the chair grants it there, the
// projector shows the speaker from the grant's event; switching tabs keeps the call; the
// delegate reads a document and votes with the call going on. Screenshots go to artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

const MEETING = /Hội nghị giao ban trực tuyến/;
const FAKE_CAMERA = ['--use-fake-device-for-media-stream=fps=10'];
const LANDSCAPE = { width: 1024, height: 768 };
const PORTRAIT = { width: 768, height: 1024 };

async function until(label, fn, ms = 20_000, every = 200) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`${label}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

const view = (page) => page.evaluate(() => window.phonghopMedia?.view());

describe('tablets: speak, read and vote with the call going on', () => {
  let server;
  const browsers = [];
  let chair;
  let delegate;
  let projector;
  let meetingUrl;
  const ids = {};
  const figures = {};

  before(async () => {
    server = await startServer({ name: 'tablet' });
    const c = await signedIn(server.url, 'chutich', undefined, { viewport: LANDSCAPE, args: FAKE_CAMERA });
    const d = await signedIn(server.url, 'giamdoc.stnmt', undefined, { viewport: PORTRAIT, args: FAKE_CAMERA });
    const p = await signedIn(server.url, 'kythuat', undefined, { viewport: { width: 1280, height: 720 } });
    browsers.push(c, d, p);
    [chair, delegate, projector] = browsers.map((b) => b.page);
  });

  after(async () => {
    console.log('tablet figures (ms):', JSON.stringify(figures));
    for (const b of browsers) await b.close();
    await server?.stop();
  });

  async function enterVideo(page) {
    await page.goto(`${meetingUrl}?tab=video`);
    // Three browsers with fake cameras share two cores with the server: opening one can be slow.
    await page.getByTestId('preview').waitFor({ timeout: 30_000 });
    await page.getByTestId('video-join').click();
    await page.getByTestId('video-room').waitFor({ timeout: 30_000 });
    return until('joined', async () => (await view(page))?.me, 10_000);
  }

  test('the chair starts the meeting; both join the video', async () => {
    await chair.goto(`${server.url}/meetings`);
    await chair.getByRole('link', { name: MEETING }).click();
    await chair.getByTestId('meeting-status').waitFor();
    meetingUrl = chair.url().split('?')[0];
    if (await chair.getByTestId('action-start').count()) {
      await chair.getByTestId('action-start').click();
      await chair.getByTestId('meeting-status').getByText('Đang họp').waitFor();
    }
    for (const p of [chair, delegate]) {
      await p.goto(`${meetingUrl}?tab=participants`);
      await p.getByTestId('checkin-in-person').click();
      await p.getByTestId('my-attendance').getByText('Có mặt trực tiếp').waitFor();
    }
    ids.chair = await enterVideo(chair);
    ids.delegate = await enterVideo(delegate);
    // Joining muted by the meeting's rule is not being muted by the chair.
    const muted = delegate.getByTestId('me-muted');
    await muted.waitFor();
    assert.doesNotMatch(await muted.textContent(), /Chủ trì đã tắt tiếng/);
    await screenshot(delegate, 'tablet-portrait-video-joined');
  });

  test('the delegate raises a hand on the video screen; the chair grants it there; the projector follows the event', async () => {
    await projector.goto(`${meetingUrl}/projector`);
    await projector.getByTestId('projector').waitFor();
    await delegate.getByTestId('raise-hand').click();
    await delegate.getByTestId('my-place').getByText('Bạn đang chờ thứ 1').waitFor();
    const row = chair.getByTestId('floor-bar-waiting').filter({ hasText: 'Trần Quốc Bảo' });
    await row.waitFor();
    await screenshot(chair, 'tablet-landscape-chair-queue');
    const t0 = Date.now();
    await row.getByTestId('floor-bar-grant').click();
    await projector.getByTestId('projector-speaker').getByText('Trần Quốc Bảo').waitFor();
    figures.grantToProjector = Date.now() - t0;
    await delegate.getByTestId('floor-bar-speaker').getByText('Bạn').waitFor();
    // The floor unmutes the speaker on the media side.
    await delegate.getByTestId('me-muted').waitFor({ state: 'detached' });
    await screenshot(projector, 'tablet-projector-speaker');
    await screenshot(delegate, 'tablet-portrait-speaking');
  });

  test('switching tabs keeps the call: documents and votes with the call bar, back to the same call', async () => {
    const session = (await view(delegate)).me;
    await delegate.getByTestId('tab-documents').click();
    const dock = delegate.getByTestId('call-dock');
    await dock.waitFor();
    assert.equal(await dock.getAttribute('data-state'), 'live');
    // The others still have the delegate in the room after a while on another tab.
    await new Promise((r) => setTimeout(r, 2500));
    const roster = (await view(chair)).roster.map((p) => p.identity);
    assert.ok(roster.includes(ids.delegate), `the delegate is still in the room: ${roster}`);
    await screenshot(delegate, 'tablet-portrait-documents-in-call');

    // The chair ends the speech from the video screen.
    await chair.getByTestId('floor-bar-end').click();
    await projector.getByTestId('projector-speaker').waitFor({ state: 'detached' });

    await delegate.getByTestId('dock-video').click();
    await delegate.getByTestId('video-room').waitFor();
    assert.equal(await delegate.getByTestId('video-join').count(), 0, 'no lobby on the way back');
    assert.equal((await view(delegate)).me, session);
  });

  test('an official at the district point joins as the point: the control room shows the point connected', async () => {
    const b = await signedIn(server.url, 'chutich.dongson', undefined, { viewport: LANDSCAPE, args: FAKE_CAMERA });
    browsers.push(b);
    const official = b.page;
    await official.goto(`${meetingUrl}?tab=video`);
    await official.getByTestId('preview').waitFor({ timeout: 30_000 });
    await official.getByTestId('join-as').selectOption({ label: 'Điểm cầu: Điểm cầu huyện Đông Sơn' });
    await official.getByTestId('video-join').click();
    await official.getByTestId('video-room').waitFor({ timeout: 30_000 });
    const me = await until('joined as the point', async () => (await view(official))?.me, 10_000);
    assert.match(me, /^point-\d+$/);
    // The operator's control room: the point itself is connected, not "absent".
    const operator = projector;
    await operator.goto(`${meetingUrl}?tab=control`);
    const cell = operator.locator(`[data-testid="cr-cell"][data-identity="${me}"]`);
    await cell.waitFor({ timeout: 20_000 });
    await until('the point is connected in the control room', async () => (await cell.getAttribute('data-status')) === 'connected', 30_000, 500);
    assert.equal(await cell.getAttribute('data-name'), 'Điểm cầu huyện Đông Sơn');
    // The chair sees the point by its name in the room.
    await until('the chair sees the point', async () => (await view(chair)).roster.some((p) => p.identity === me && p.name === 'Điểm cầu huyện Đông Sơn'), 20_000);
    await screenshot(operator, 'tablet-control-room-point');
    // The point raises its hand: the request is the point's, so the grant spotlights the point.
  });

  test('no page raised an error', () => {
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });
});
