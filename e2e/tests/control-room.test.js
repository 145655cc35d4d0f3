// The operator's control room (phòng điều khiển) during a 250-point briefing: the operator opens
// the tab, sees every point with its figures, alerts and the absent ones, filters and sorts, and
// mutes, switches to audio only, asks to reconnect and spotlights a point; each command reaches
// the bus and its effect is confirmed in a toast. The chair sees the tab too, a delegate does not.
//
// Where the figures come from: the phonghop server runs on a bus of the test's own (e2e/busfeed,
// a NATS server on loopback). A real browser point joins the video tab first; if the media server
// then publishes its own stats, the test runs on them ("SFU path"). If it does not (it did not yet
// when this test was written), the test publishes stats on the bus as the media server would and
// answers the commands in the next figures as it would ("bus helper path"). The test says which
// path it took (its diagnostic output and artifacts/control-room-path.txt).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artifactsDir, screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { startBusFeed } from '../lib/busfeed.js';
import { startServer } from '../lib/server.js';

const DESKTOP = { width: 1600, height: 1000 };
const POINTS = 250; // invitations of the briefing, people and meeting points together

/** Calls the API from a signed-in page, with its CSRF token, and returns {status, body}. */
function apiAs(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const s = await fetch('/api/auth/session').then((r) => r.json());
      const res = await fetch(path, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

async function openMeeting(page, url) {
  await page.goto(`${url}/meetings`);
  await page.getByRole('link', { name: /Hội nghị giao ban trực tuyến/ }).click();
  await page.getByTestId('meeting-status').waitFor();
  return Number(new URL(page.url()).pathname.split('/')[2]);
}

/**
 * Stands in for the media server's stats: every invited point but a few is in the room with
 * plausible figures; some are in trouble. Commands seen on the bus change the next figures the
 * way the media server would report them.
 */
function fakeMediaServer(participants) {
  const now = new Date().toISOString();
  const state = new Map();
  const ident = (p) => (p.meeting_point_id ? `point-${p.meeting_point_id}` : `user-${p.user_id}`);
  const points = participants.filter((p) => p.meeting_point_id);
  const absent = new Set([...points.slice(-6).map(ident), ...participants.filter((p) => p.user_id && !['chair', 'delegate'].includes(p.role)).map(ident)]);
  for (const p of participants) {
    const id = ident(p);
    if (absent.has(id) || (p.user_id && p.role === 'delegate' && !p.title.includes('Giám đốc'))) continue;
    state.set(id, { identity: id, name: p.name, state: 'connected', audio_only: false, audio_muted: true, in_kbps: 900, out_kbps: 1600,
      loss_in: 0.002, loss_out: 0.001, rtt_ms: 40, layer: 'm', estimate_kbps: 2500, since: now });
  }
  const byName = (n) => [...state.values()].find((s) => s.name === n || (n.endsWith(',') && s.name.startsWith(n)));
  let seen = 0;
  let tick = 0;
  return {
    state,
    byName,
    /** The next stats message, after applying the commands sent since the last one. */
    next(commands) {
      for (; seen < commands.length; seen++) {
        const c = commands[seen];
        const s = state.get(c.identity);
        if (!s) continue;
        if (c.type === 'mute' || c.type === 'unmute') s.audio_muted = c.type === 'mute';
        if (c.type === 'audio_only' || c.type === 'video_on') s.audio_only = c.type === 'audio_only';
        if (c.type === 'rejoin') s.since = new Date().toISOString();
      }
      tick++;
      const points = [...state.values()].map((s) => {
        const wobble = 1 + 0.25 * Math.sin(tick / 3 + s.identity.length);
        return { ...s, in_kbps: s.audio_only ? 40 : Math.round(s.in_kbps * wobble), out_kbps: Math.round(s.out_kbps * wobble) };
      });
      return { type: 'stats', points };
    },
  };
}

describe('control room', () => {
  let server;
  let bus;
  let feedTimer;
  const browsers = [];
  let operator;
  let chair;
  let meetingId;
  let path = '';
  let fake;

  before(async () => {
    bus = await startBusFeed();
    server = await startServer({ name: 'control-room', env: { PHONGHOP_NATS_URL: bus.url } });
  });

  after(async () => {
    clearInterval(feedTimer);
    for (const b of browsers) await b.close();
    await server?.stop();
    await bus?.stop();
  });

  async function person(username) {
    const b = await signedIn(server.url, username);
    browsers.push(b);
    return b.page;
  }

  test('the briefing grows to 250 invited points; a real point joins the video; the stats path is chosen', async (t) => {
    const admin = await person('admin');
    meetingId = await openMeeting(admin, server.url);
    const orgs = (await apiAs(admin, 'GET', '/api/organizations')).body.items.filter((o) => o.level === 'commune');
    const have = (await apiAs(admin, 'GET', `/api/meetings/${meetingId}/participants`)).body.items.length;
    // The villages' meeting points, made by the administrator in the page (one request each).
    const made = await admin.evaluate(async ({ orgs, n }) => {
      const { csrf_token } = await fetch('/api/auth/session').then((r) => r.json());
      const ids = [];
      for (let i = 0; i < n; i++) {
        const o = orgs[i % orgs.length];
        const res = await fetch('/api/meeting-points', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf_token },
          body: JSON.stringify({ organization_id: o.id, code: `DC-MP-${i + 1}`, name: `Điểm cầu thôn ${i + 1}, ${o.name.replace('UBND ', '')}` }),
        });
        if (res.status !== 201) return { error: `${res.status} ${await res.text()}` };
        ids.push((await res.json()).id);
      }
      return { ids };
    }, { orgs, n: POINTS - have });
    assert.equal(made.error, undefined);
    const invitees = made.ids.map((id) => ({ meeting_point_id: id, role: 'delegate' }));
    const inv = await apiAs(admin, 'POST', `/api/meetings/${meetingId}/participants`, { invitees });
    assert.equal(inv.status, 201, JSON.stringify(inv.body));

    // The chair joins the video conference from a real browser, as every point would.
    chair = await person('chutich');
    await openMeeting(chair, server.url);
    await chair.getByTestId('tab-video').click();
    await chair.getByTestId('preview').waitFor();
    await chair.getByTestId('video-join').click();
    await chair.getByTestId('video-room').waitFor();
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && !bus.events.some((e) => e.type === 'stats')) await new Promise((r) => setTimeout(r, 200));
    path = bus.events.some((e) => e.type === 'stats') ? 'SFU path: the media server publishes stats; real browser points drive the control room'
      : 'bus helper path: the media server published no stats within 8 s of a point joining; the test publishes them on the bus (e2e/busfeed)';
    t.diagnostic(path);
    await writeFile(join(await artifactsDir(), 'control-room-path.txt'), `${path}\n`);
    if (path.startsWith('bus helper')) {
      // The chair's real video is not needed any more: leaving spares the machine its decoding.
      await chair.goto(`${server.url}/meetings/${meetingId}?tab=agenda`);
      const participants = (await apiAs(admin, 'GET', `/api/meetings/${meetingId}/participants`)).body.items;
      assert.equal(participants.length, POINTS);
      fake = fakeMediaServer(participants);
      // Trouble at three points: a lossy commune, a district reconnecting, a slow link.
      Object.assign(fake.byName('Điểm cầu xã Đông Hòa'), { loss_in: 0.09, loss_out: 0.03 });
      Object.assign(fake.byName('Điểm cầu huyện Đông Sơn'), { state: 'reconnecting', in_kbps: 300 });
      Object.assign(fake.byName('Điểm cầu thôn 7,'), { rtt_ms: 650 });
      const subject = `phonghop.media.meeting-${meetingId}.events`;
      const publish = () => bus.publish(subject, fake.next(bus.commands));
      await publish();
      feedTimer = setInterval(publish, 2000);
    } else {
      const delegate = await person('giamdoc.stnmt');
      await openMeeting(delegate, server.url);
      await delegate.getByTestId('tab-video').click();
      await delegate.getByTestId('preview').waitFor();
      await delegate.getByTestId('video-join').click();
      await delegate.getByTestId('video-room').waitFor();
    }
    const a = browsers.shift();
    assert.deepEqual(a.pageErrors, []);
    await a.close();
  });

  test('the operator opens the control room and sees every point, worst first, with the alerts', async () => {
    operator = await person('kythuat');
    await operator.setViewportSize(DESKTOP);
    await openMeeting(operator, server.url);
    await operator.getByTestId('tab-control').click();
    await operator.getByTestId('control-room').waitFor();
    const cells = operator.getByTestId('cr-cell');
    await operator.waitForFunction((n) => document.querySelectorAll('[data-testid="cr-cell"]').length === n, POINTS);
    assert.equal(await cells.count(), POINTS);

    if (!fake) {
      // SFU path: the two real points are connected with figures.
      await operator.locator('[data-testid="cr-cell"][data-status="connected"]').nth(1).waitFor({ timeout: 15_000 });
      await operator.getByTestId('cr-connected').getByText(`Đã kết nối 2 / mời ${POINTS}`).waitFor();
      await screenshot(operator, 'control-room-operator');
      return;
    }
    const present = fake.state.size;
    await operator.getByTestId('cr-connected').getByText(`Đã kết nối ${present - 1} / mời ${POINTS}`).waitFor({ timeout: 15_000 });
    await operator.getByTestId('cr-absent-count').getByText(`Vắng ${POINTS - present}`).waitFor();
    // Alerts need two samples in a row: 3 points, 3 alerts.
    await operator.getByTestId('cr-alert-count').getByText('Cảnh báo 3 (3 điểm cầu)').waitFor({ timeout: 15_000 });
    const first = cells.first();
    assert.equal(await first.getAttribute('data-status'), 'reconnecting');
    assert.match(await first.getAttribute('aria-label'), /^Điểm cầu huyện Đông Sơn, Đang kết nối lại/);
    assert.match(await first.textContent(), /huyện Đông Sơn.*Đang kết nối lại/s);
    const dongHoa = operator.locator(`[data-testid="cr-cell"][data-identity="${fake.byName('Điểm cầu xã Đông Hòa').identity}"]`);
    assert.match(await dongHoa.getByTestId('cr-cell-alert').textContent(), /Mất gói cao 9,0%/);
    assert.match(await dongHoa.textContent(), /9,0%/);
    await operator.getByTestId('cr-alerts').getByText('Độ trễ cao 650 ms').waitFor();
    await screenshot(operator, 'control-room-operator');
    // What the operator's screen shows without scrolling.
    await operator.screenshot({ path: join(await artifactsDir(), 'control-room-operator-screen.png') });

    await operator.getByTestId('cr-filter-alerts').click();
    assert.equal(await cells.count(), 3);
    await operator.getByTestId('cr-filter-absent').click();
    assert.equal(await cells.count(), POINTS - present);
    for (const s of await cells.evaluateAll((els) => els.map((e) => e.dataset.status))) assert.equal(s, 'absent');
    await operator.getByTestId('cr-filter-all').click();
    await operator.getByTestId('cr-sort').selectOption('name');
    const names = await cells.evaluateAll((els) => els.slice(0, 5).map((e) => e.dataset.name));
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, 'vi')));
    await operator.getByTestId('cr-sort').selectOption('worst');
  });

  test('the operator fixes a point: mute, audio only, reconnect, main screen — each command reaches the bus and is confirmed', async () => {
    if (!fake) {
      // SFU path: mute the delegate and see the media server report it.
      const cell = operator.locator('[data-testid="cr-cell"][aria-label^="Trần Quốc Bảo"]');
      await cell.click();
      const panel = operator.getByTestId('cr-panel');
      await panel.getByTestId(/cr-act-(mute|unmute)/).first().click();
      await operator.getByText(/đã thực hiện/).waitFor({ timeout: 15_000 });
      return;
    }
    const target = fake.byName('Điểm cầu xã Đông Hòa');
    // Find it as an operator types in a hurry: no diacritics.
    const cells = operator.getByTestId('cr-cell');
    await operator.getByTestId('cr-search').fill('dong hoa');
    await operator.waitForFunction(() => document.querySelectorAll('[data-testid="cr-cell"]').length < 100);
    // The commune's own point, its villages and its people; not the district's point.
    assert.equal(await operator.locator(`[data-testid="cr-cell"][data-identity="${fake.byName('Điểm cầu huyện Đông Sơn').identity}"]`).count(), 0);
    await operator.locator(`[data-testid="cr-cell"][data-identity="${target.identity}"]`).click();
    await operator.getByTestId('cr-search').fill('');
    const panel = operator.getByTestId('cr-panel');
    assert.equal(await panel.getAttribute('data-identity'), target.identity);

    // Delegates join muted: unmute, then mute again.
    await panel.getByTestId('cr-act-unmute').click();
    await bus.waitCommand((c) => c.type === 'unmute' && c.identity === target.identity);
    await operator.getByText('Điểm cầu xã Đông Hòa: đã thực hiện “Bật tiếng”.').waitFor({ timeout: 15_000 });
    await panel.getByTestId('cr-act-mute').click();
    await bus.waitCommand((c) => c.type === 'mute' && c.identity === target.identity);
    await operator.getByText('Điểm cầu xã Đông Hòa: đã thực hiện “Tắt tiếng”.').waitFor({ timeout: 15_000 });

    await panel.getByTestId('cr-act-audio_only').click();
    await bus.waitCommand((c) => c.type === 'audio_only' && c.identity === target.identity);
    await operator.getByText('Điểm cầu xã Đông Hòa: đã thực hiện “Chuyển chỉ âm thanh”.').waitFor({ timeout: 15_000 });
    await panel.getByTestId('cr-act-video_on').waitFor();
    assert.match(await operator.locator(`[data-identity="${target.identity}"][data-testid="cr-cell"]`).textContent(), /Chỉ âm thanh/);

    operator.once('dialog', (d) => d.accept());
    await panel.getByTestId('cr-act-rejoin').click();
    await bus.waitCommand((c) => c.type === 'rejoin' && c.identity === target.identity);
    await operator.getByText('Điểm cầu xã Đông Hòa: đã thực hiện “Yêu cầu kết nối lại”.').waitFor({ timeout: 15_000 });

    await panel.getByTestId('cr-act-spotlight').click();
    await bus.waitCommand((c) => c.type === 'spotlight' && c.identity === target.identity);
    await operator.getByText('Đã gửi lệnh “Lên màn hình chính” tới Điểm cầu xã Đông Hòa.').waitFor();
    // Muting everyone is the chair's.
    assert.equal(await operator.getByTestId('cr-mute-all').count(), 0);
    const refused = await apiAs(operator, 'POST', `/api/meetings/${meetingId}/media-commands`, { type: 'mute_all', identity: '' });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /Chỉ chủ trì/);
  });

  test('a point that drops out of the figures is shown as having left unexpectedly', async () => {
    if (!fake) return;
    const gone = fake.byName('Điểm cầu thôn 12,');
    fake.state.delete(gone.identity);
    const cell = operator.locator(`[data-identity="${gone.identity}"][data-testid="cr-cell"]`);
    await operator.waitForFunction((id) => document.querySelector(`[data-identity="${id}"]`)?.dataset.status === 'left', gone.identity, { timeout: 15_000 });
    assert.match(await cell.textContent(), /Rời phòng bất thường/);
  });

  test('the poll is gzipped and quick; the page renders 250 cells without errors', async (t) => {
    const polls = await operator.evaluate(() =>
      performance.getEntriesByType('resource').filter((e) => e.name.includes('/control-room')).map((e) => ({ ms: e.duration, wire: e.encodedBodySize, json: e.decodedBodySize })),
    );
    assert.ok(polls.length >= 3, `only ${polls.length} polls`);
    const med = (k) => [...polls].map((p) => p[k]).sort((a, b) => a - b)[Math.floor(polls.length / 2)];
    t.diagnostic(`control room polls: ${polls.length}; median ${med('ms').toFixed(0)} ms, ${med('wire')} bytes on the wire, ${med('json')} bytes of JSON`);
    assert.ok(med('wire') < med('json'), 'the answer is not compressed');
    const errors = browsers.flatMap((b) => b.pageErrors);
    assert.deepEqual(errors, []);
  });

  test('the chair sees the control room with mute-all; a delegate neither sees it nor reads it', async () => {
    await chair.goto(`${server.url}/meetings/${meetingId}?tab=control`);
    await chair.getByTestId('cr-mute-all').waitFor({ timeout: 20_000 });
    const delegate = await person('chutich.donghoa');
    await openMeeting(delegate, server.url);
    assert.equal(await delegate.getByTestId('tab-control').count(), 0);
    const r = await apiAs(delegate, 'GET', `/api/meetings/${meetingId}/control-room`);
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /kỹ thuật viên/);
  });
});
