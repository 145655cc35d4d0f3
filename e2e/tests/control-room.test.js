// The operator's control room (phòng điều khiển) of a briefing with 250 invited points: the
// operator opens the tab, sees the points in the room with their figures and alerts and the
// absent ones, filters and sorts, and fixes a point — unmute and mute, audio only and back, ask
// to reconnect, main screen — each command reaching the bus and its effect confirmed in a toast.
// The chair sees the tab too; a delegate neither sees nor reads it.
//
// Where the figures come from: the media server's own stats. The phonghop server runs on a bus of
// the test's own (e2e/mediafeed, a NATS server on loopback) and real points join its media room:
// the chair's browser through the video tab when the web app can join, and meeting points on Pion
// (sfu/sfuclient) through the same helper, one on a lossy link, one through an outage. The test
// says which points joined how, in its output and in artifacts/control-room-path.txt. (Before
// the media server published stats, this test fed them on the bus itself; it no longer may.)
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artifactsDir, screenshot } from '../lib/artifacts.js';
import { DEMO_PASSWORD, signedIn } from '../lib/browser.js';
import { startMediaFeed } from '../lib/mediafeed.js';
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

/** A demo person's media join token, signed in from the test itself (not a browser). */
async function mediaToken(base, username, meetingId) {
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
  assert.equal(login.status, 200);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf_token: csrf } = await login.json();
  const res = await fetch(`${base}/api/meetings/${meetingId}/media-token`, { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrf } });
  assert.equal(res.status, 200);
  const { token, grant } = await res.json();
  return { token, identity: grant.identity ?? grant.sub };
}

async function openMeeting(page, url) {
  await page.goto(`${url}/meetings`);
  await page.getByRole('link', { name: /Hội nghị giao ban trực tuyến/ }).click();
  await page.getByTestId('meeting-status').waitFor();
  return Number(new URL(page.url()).pathname.split('/')[2]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('control room', () => {
  let server;
  let feed;
  const browsers = [];
  let operator;
  let chair;
  let meetingId;
  // The real points by label, and the person behind each.
  const real = { chair: 'chutich', stnmt: 'giamdoc.stnmt', dongson: 'chutich.dongson', donghoa: 'chutich.donghoa' };
  const identity = {};

  before(async () => {
    feed = await startMediaFeed();
    server = await startServer({ name: 'control-room', env: { PHONGHOP_NATS_URL: feed.url } });
  });

  after(async () => {
    // The media server's own figures over the run, one stats message a line.
    const stats = feed?.events.filter((e) => e.type === 'stats') ?? [];
    if (stats.length) await writeFile(join(await artifactsDir(), 'control-room-media-stats.jsonl'), stats.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const b of browsers) await b.close();
    await server?.stop();
    await feed?.stop();
  });

  async function person(username) {
    const b = await signedIn(server.url, username);
    browsers.push(b);
    return b.page;
  }
  const cell = (page, id) => page.locator(`[data-testid="cr-cell"][data-identity="${id}"]`);
  const statusOf = (page, id, status, timeout = 25_000) =>
    page.waitForFunction(([id, s]) => document.querySelector(`[data-testid="cr-cell"][data-identity="${id}"]`)?.dataset.status === s, [id, status], { timeout });
  const joinPoint = async (label, link) => {
    const { token, identity: id } = await mediaToken(server.url, real[label], meetingId);
    identity[label] = id;
    await feed.join(label, `${server.url.replace('http', 'ws')}/rtc`, token, link);
  };

  test('250 points are invited; real points join the media room and the media server reports them', async (t) => {
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
    const inv = await apiAs(admin, 'POST', `/api/meetings/${meetingId}/participants`, { invitees: made.ids.map((id) => ({ meeting_point_id: id, role: 'delegate' })) });
    assert.equal(inv.status, 201, JSON.stringify(inv.body));

    // The chair joins from the browser's video tab, as a point in the hall would.
    chair = await person('chutich');
    await openMeeting(chair, server.url);
    await chair.getByTestId('tab-video').click();
    await chair.getByTestId('preview').waitFor();
    await chair.getByTestId('video-join').click();
    const { identity: chairId } = await mediaToken(server.url, 'chutich', meetingId);
    const inStats = (id) => (e) => e.type === 'stats' && e.points?.some((p) => p.identity === id);
    const browserJoined = await feed.waitEvent(inStats(chairId), 15_000).then(() => true, () => false);
    let browserNote = 'the chair joined from the browser';
    if (!browserJoined) {
      const shown = await chair.locator('.toast, [data-testid="video-state"]').allTextContents();
      browserNote = `the chair's browser could not join from the video tab (${shown.join(' / ') || 'no sign of it in 15 s'}); a Pion point joins as the chair`;
      await chair.goto(`${server.url}/meetings/${meetingId}?tab=agenda`);
    }
    // Points on Pion; the chair of Đông Sơn district on a link that loses 30 % both ways.
    for (const label of ['stnmt', 'dongson', 'donghoa', ...(browserJoined ? [] : ['chair'])]) {
      await joinPoint(label, label === 'dongson' ? { upLoss: 0.3, downLoss: 0.3 } : {});
    }
    identity.chair = chairId;
    await feed.waitEvent(inStats(identity.stnmt), 10_000);
    const path = `the media server's own stats; ${browserNote}; meeting points on Pion (e2e/mediafeed)`;
    t.diagnostic(path);
    await writeFile(join(await artifactsDir(), 'control-room-path.txt'), `${path}\n`);
    const a = browsers.shift();
    assert.deepEqual(a.pageErrors, []);
    await a.close();
  });

  test('the operator opens the control room: every point, worst first, with figures, alerts and the absent', async () => {
    operator = await person('kythuat');
    await operator.setViewportSize(DESKTOP);
    await openMeeting(operator, server.url);
    await operator.getByTestId('tab-control').click();
    await operator.getByTestId('control-room').waitFor();
    const cells = operator.getByTestId('cr-cell');
    await operator.waitForFunction((n) => document.querySelectorAll('[data-testid="cr-cell"]').length === n, POINTS);
    for (const label of Object.keys(real)) await statusOf(operator, identity[label], 'connected');
    await operator.getByTestId('cr-connected').getByText(`Đã kết nối 4 / mời ${POINTS}`).waitFor();
    await operator.getByTestId('cr-absent-count').getByText(`Vắng ${POINTS - 4}`).waitFor();
    // The lossy link shows as a loss alert, raised after two samples above 5 %.
    await cell(operator, identity.dongson).getByTestId('cr-cell-alert').getByText(/Mất gói cao/).waitFor({ timeout: 30_000 });
    assert.equal(await cells.first().getAttribute('data-identity'), identity.dongson);
    // The figures are the media server's: what each point sends and receives, its RTT.
    const v = (await apiAs(operator, 'GET', `/api/meetings/${meetingId}/control-room`)).body;
    await writeFile(join(await artifactsDir(), 'control-room.json'), JSON.stringify(v, null, 1));
    for (const label of ['stnmt', 'donghoa']) {
      const p = v.points.find((x) => x.identity === identity[label]);
      assert.ok(p.in_kbps > 30 && p.out_kbps > 0 && p.history.in_kbps.length >= 2, `${label}: ${JSON.stringify(p)}`);
      assert.ok(!p.alerts.some((a) => a.kind === 'loss'), `${label} on a clean link has a loss alert: ${JSON.stringify(p.alerts)}`);
    }
    await screenshot(operator, 'control-room-operator');
    await operator.screenshot({ path: join(await artifactsDir(), 'control-room-operator-screen.png') });

    await operator.getByTestId('cr-filter-alerts').click();
    assert.ok((await cells.count()) >= 1);
    for (const s of await cells.evaluateAll((els) => els.map((e) => e.querySelector('[data-testid="cr-cell-alert"]') !== null))) assert.ok(s);
    await operator.getByTestId('cr-filter-absent').click();
    assert.equal(await cells.count(), POINTS - 4);
    await operator.getByTestId('cr-filter-all').click();
  });

  test('the operator sorts by name and finds a point without typing diacritics', async () => {
    const cells = operator.getByTestId('cr-cell');
    await operator.getByTestId('cr-sort').selectOption('name');
    const names = await cells.evaluateAll((els) => els.slice(0, 8).map((e) => e.dataset.name));
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, 'vi')));
    await operator.getByTestId('cr-sort').selectOption('worst');
    await operator.getByTestId('cr-search').fill('dong hoa');
    await operator.waitForFunction(() => document.querySelectorAll('[data-testid="cr-cell"]').length < 100);
    assert.equal(await operator.locator('[data-testid="cr-cell"][data-name="Điểm cầu huyện Đông Sơn"]').count(), 0);
    assert.equal(await operator.locator('[data-testid="cr-cell"][data-name="Điểm cầu xã Đông Hòa"]').count(), 1);
    await operator.getByTestId('cr-search').fill('');
  });

  test('the operator fixes a point: each command reaches the bus and its effect is confirmed', async () => {
    const target = { identity: identity.stnmt };
    const name = await cell(operator, target.identity).getAttribute('data-name');
    await cell(operator, target.identity).click();
    const panel = operator.getByTestId('cr-panel');
    assert.equal(await panel.getAttribute('data-identity'), target.identity);
    const confirmed = (action) => operator.getByText(`${name}: đã thực hiện “${action}”.`).waitFor({ timeout: 20_000 });
    const sent = (type) => feed.waitCommand((c) => c.type === type && c.identity === target.identity);
    // The media server tells the point itself, as well as reporting it in its figures.
    const told = (type, from) => feed.waitMessage((m) => feed.messages.indexOf(m) >= from && m.label === 'stnmt' && m.type === type);
    const act = async (type, action, message) => {
      const from = feed.messages.length;
      await panel.getByTestId(`cr-act-${type}`).click();
      await sent(type);
      if (message) await told(message, from);
      if (action) await confirmed(action);
    };

    // Delegates join muted: unmute, then mute again.
    await act('unmute', 'Bật tiếng', 'muted');
    await act('mute', 'Tắt tiếng', 'muted');

    // The media server switches a point to audio only by itself when its link seems too weak,
    // and may switch it back: the operator's switch is checked as far as the point.
    const on = (await panel.getByTestId('cr-act-audio_only').count()) > 0;
    await act(on ? 'audio_only' : 'video_on', '', 'audio_only');

    await panel.getByTestId('cr-act-rejoin').click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Yêu cầu kết nối lại' }).click();
    await sent('rejoin');
    // The point is told to reconnect and does, with a fresh token, as the web app would.
    await told('rejoin', 0);
    await sleep(1100); // "since" has whole seconds
    await joinPoint('stnmt');
    await confirmed('Yêu cầu kết nối lại');

    await panel.getByTestId('cr-act-spotlight').click();
    await sent('spotlight');
    await operator.getByText(`Đã gửi lệnh “Lên màn hình chính” tới ${name}.`).waitFor();
    // Muting everyone is the chair's.
    assert.equal(await operator.getByTestId('cr-mute-all').count(), 0);
    const refused = await apiAs(operator, 'POST', `/api/meetings/${meetingId}/media-commands`, { type: 'mute_all', identity: '' });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /Chỉ chủ trì/);
  });

  test('a point whose link goes dead is shown reconnecting, then back; one that leaves is shown gone', async () => {
    feed.outage('donghoa', 10); // the media server calls a link disconnected after 4 s, failed after 15
    await statusOf(operator, identity.donghoa, 'reconnecting', 20_000);
    await statusOf(operator, identity.donghoa, 'connected', 30_000);
    feed.leave('donghoa');
    await statusOf(operator, identity.donghoa, 'left', 15_000);
    await operator.getByTestId('cr-connected').getByText(`Đã kết nối 3 / mời ${POINTS}`).waitFor();
  });

  test('the poll is gzipped and quick; no page raised an error', async (t) => {
    const polls = await operator.evaluate(() =>
      performance.getEntriesByType('resource').filter((e) => e.name.includes('/control-room')).map((e) => ({ ms: e.duration, wire: e.encodedBodySize, json: e.decodedBodySize })),
    );
    assert.ok(polls.length >= 3, `only ${polls.length} polls`);
    const med = (k) => [...polls].map((p) => p[k]).sort((a, b) => a - b)[Math.floor(polls.length / 2)];
    t.diagnostic(`control room polls: ${polls.length}; median ${med('ms').toFixed(0)} ms, ${med('wire')} bytes on the wire, ${med('json')} bytes of JSON`);
    assert.ok(med('wire') < med('json'), 'the answer is not compressed');
    assert.deepEqual(browsers.flatMap((b) => b.pageErrors), []);
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
