// The video conference on media protocol v2, in three browsers with Chromium's fake camera and
// microphone, inside the loopback-only namespace, against the real SFU: each point decodes the
// others' video, the chair's mute stops a delegate's sound but not its picture, the main screen
// gets a better layer than a thumbnail, a shared screen reaches the others, and a reloaded page
// comes back with its mute state. Every wait is bounded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

const MEETING = /Hội nghị giao ban trực tuyến/;
const FAKE_CAMERA = ['--use-fake-device-for-media-stream=fps=10'];

/** Pages whose receive statistics a failed wait prints, to tell a lost picture from a slow one. */
const watched = [];

/** Polls fn until it returns a truthy value, or fails after ms with the last value seen. */
async function until(label, fn, ms = 20_000, every = 250) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) {
      const seen = [];
      for (const [name, page] of watched) {
        const s = await stats(page).catch(() => null);
        seen.push(`${name}: ${JSON.stringify(s)}`);
      }
      assert.fail(`${label}: not within ${ms} ms (last: ${JSON.stringify(last)})\n${seen.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

/** What each subscribe slot of the page receives now (the page's diagnostics, see VideoRoom). */
const stats = (page) => page.evaluate(() => window.phonghopMedia?.stats() ?? { inbound: [] });
const view = (page) => page.evaluate(() => window.phonghopMedia?.view());
const slotOf = (s, pred) => s.inbound.find(pred);

/** A counter summed over every slot that matches, read twice some time apart: in a small room
 * the same point can fill the main screen and a thumbnail, and the server may pause the
 * thumbnail when the link is short, so "its picture goes on" means on any of them. */
async function risingAny(page, pred, field, gapMs = 1500) {
  const sum = async () => (await stats(page)).inbound.filter(pred).reduce((n, x) => n + (x[field] ?? 0), 0);
  const a = await sum();
  await new Promise((r) => setTimeout(r, gapMs));
  const b = await sum();
  return { a, b, rising: b > a };
}

/** A counter of one slot, read twice some time apart. */
async function rising(page, pred, field, gapMs = 1500) {
  const a = slotOf(await stats(page), pred)?.[field] ?? 0;
  await new Promise((r) => setTimeout(r, gapMs));
  const b = slotOf(await stats(page), pred)?.[field] ?? 0;
  return { a, b, rising: b > a };
}

describe('video conference', () => {
  let server;
  const browsers = [];
  let chair;
  let delegate;
  let third;
  const ids = {};
  const figures = {};

  before(async () => {
    server = await startServer({ name: 'video' });
    // A fake camera at 10 frames per second: three browsers encoding and decoding 720p
    // simulcast share two cores with the server.
    for (const u of ['chutich', 'giamdoc.stnmt', 'chutich.dongson']) browsers.push(await signedIn(server.url, u, undefined, { args: FAKE_CAMERA }));
    [chair, delegate, third] = browsers.map((b) => b.page);
    watched.push(['chair', chair], ['delegate', delegate], ['third', third]);
  });

  after(async () => {
    console.log('video figures (ms):', JSON.stringify(figures));
    for (const b of browsers) await b.close();
    await server?.stop();
  });

  async function enter(page) {
    await page.goto(`${server.url}/meetings`);
    await page.getByRole('link', { name: MEETING }).click();
    await page.getByTestId('tab-video').click();
    await page.getByTestId('preview').waitFor();
    await page.getByTestId('video-join').click();
    await page.getByTestId('video-room').waitFor();
    return (await until('joined', async () => (await view(page))?.me, 10_000));
  }

  test('(a) two points join and each decodes the other\'s video', async () => {
    ids.chair = await enter(chair);
    ids.delegate = await enter(delegate);
    for (const [page, other] of [[chair, ids.delegate], [delegate, ids.chair]]) {
      await until('first frame of the other', async () => slotOf(await stats(page), (r) => r.kind === 'video' && r.identity === other && r.framesDecoded > 0));
      const r = await risingAny(page, (x) => x.kind === 'video' && x.identity === other, 'framesDecoded', 1000);
      assert.ok(r.rising, `frames decoded keep rising: ${JSON.stringify(r)}`);
      await page.getByTestId('tile-main').getByTestId('remote-video').waitFor();
    }
    figures.firstFrameChair = Number(await chair.getByTestId('video-room').getAttribute('data-first-frame-ms'));
    figures.firstFrameDelegate = Number(await delegate.getByTestId('video-room').getAttribute('data-first-frame-ms'));
    assert.ok(figures.firstFrameDelegate > 0, 'the page reports its time to first frame');
    // The camera is sent as simulcast: the main screen asks for the top layer.
    const layers = (await stats(delegate)).layers;
    assert.ok(layers.includes('h'), `the watched top layer is sent: ${layers}`);
    await screenshot(chair, 'video-a-chair');
  });

  test('(b) the chair mutes the delegate: its sound stops, its picture goes on, and it knows', async () => {
    // Delegates join muted by the room.
    await delegate.getByTestId('me-muted').waitFor();
    const tile = chair.locator(`[data-testid="tile"][data-identity="${ids.delegate}"]`);
    await tile.getByTestId('tile-muted').waitFor();
    await tile.getByTestId('tile-mute').click(); // unmute: the floor
    await delegate.getByTestId('me-muted').waitFor({ state: 'detached' });
    const voice = (x) => x.kind === 'audio' && x.identity === ids.delegate;
    await until('the delegate\'s voice reaches the chair', async () => (await rising(chair, voice, 'packetsReceived', 700)).rising);
    await tile.getByTestId('tile-mute').click(); // mute
    await delegate.getByTestId('me-muted').waitFor();
    assert.match(await delegate.getByTestId('me-muted').textContent(), /Chủ trì đã tắt tiếng/);
    await tile.getByTestId('tile-muted').waitFor();
    await new Promise((r) => setTimeout(r, 500)); // packets already on the wire
    // The slot that carried the delegate's voice receives nothing more.
    const audioMids = (await stats(chair)).inbound.filter((x) => x.kind === 'audio').map((x) => x.mid);
    const before = Object.fromEntries((await stats(chair)).inbound.filter((x) => audioMids.includes(x.mid)).map((x) => [x.mid, x.packetsReceived]));
    const pic = await risingAny(chair, (x) => x.kind === 'video' && x.identity === ids.delegate, 'framesDecoded', 2000);
    const afterwards = (await stats(chair)).inbound.filter((x) => audioMids.includes(x.mid));
    for (const x of afterwards) assert.equal(x.packetsReceived, before[x.mid], `no sound after the mute on slot ${x.mid} (${x.identity || 'idle'})`);
    assert.ok(pic.rising, `the delegate's picture goes on: ${JSON.stringify(pic)}\nchair: ${JSON.stringify(await stats(chair))}\ndelegate: ${JSON.stringify(await stats(delegate))}`);
    await screenshot(delegate, 'video-b-delegate-muted');
  });

  test('(c) the main screen receives a better picture than a thumbnail', async () => {
    ids.third = await enter(third);
    await chair.locator(`[data-testid="tile"][data-identity="${ids.delegate}"]`).getByTestId('tile-spotlight').click();
    await until('the spotlight reaches the third page', async () => (await third.getByTestId('tile-main').getAttribute('data-identity')) === ids.delegate);
    const main = await until('main screen at its resolution', async () => {
      const v = await view(third);
      const s = await stats(third);
      const mainMid = v.videoMids[0];
      const m = slotOf(s, (x) => x.mid === mainMid && x.identity === ids.delegate);
      const thumb = slotOf(s, (x) => x.kind === 'video' && x.mid !== mainMid && x.identity && x.framesDecoded > 0 && x.frameWidth > 0);
      return m && thumb && m.frameWidth > thumb.frameWidth && m.frameWidth >= 640 ? { main: m, thumb } : null;
    }, 25_000);
    figures.mainWidth = main.main.frameWidth;
    figures.thumbWidth = main.thumb.frameWidth;
    assert.ok(main.main.frameWidth > main.thumb.frameWidth);
    await screenshot(third, 'video-c-third');
  });

  test('(d) the chair shares the screen and the others see it large', async () => {
    await chair.getByTestId('share-screen').click();
    await chair.getByTestId('own-screen').waitFor();
    for (const page of [delegate, third]) {
      const tile = page.getByTestId('tile-screen');
      await tile.waitFor({ timeout: 15_000 });
      assert.equal(await tile.getAttribute('data-identity'), ids.chair);
      await until('the screen is decoded', async () => page.evaluate(() => {
        const v = document.querySelector('[data-testid="screen-video"]');
        return v && v.videoWidth > 0 && v.currentTime > 0.2 ? v.videoWidth : 0;
      }), 20_000);
    }
    await screenshot(third, 'video-d-screen');
    await chair.getByTestId('share-screen').click(); // stop sharing
    for (const page of [delegate, third]) await page.getByTestId('tile-screen').waitFor({ state: 'detached', timeout: 15_000 });
    await third.getByTestId('tile-main').waitFor();
  });

  test('(e) a reloaded delegate page comes back with its mute state', async () => {
    await delegate.getByTestId('self-cam').click(); // camera off: the point's own choice
    await until('camera off reaches the room', async () => (await view(chair)).roster.find((p) => p.identity === ids.delegate)?.video_muted);
    const t0 = Date.now();
    await delegate.reload();
    await delegate.getByTestId('video-room').waitFor({ timeout: 15_000 });
    await until('sound again after the reload', async () => (await rising(delegate, (x) => x.kind === 'audio' && x.identity === ids.chair, 'packetsReceived', 500)).rising, 20_000);
    figures.reloadToSound = Date.now() - t0;
    await until('pictures again after the reload', async () => slotOf(await stats(delegate), (x) => x.kind === 'video' && x.framesDecoded > 0), 20_000);
    figures.reloadToFrame = Date.now() - t0;
    figures.reloadFirstFrameInPage = Number(await delegate.getByTestId('video-room').getAttribute('data-first-frame-ms'));
    // Still muted by the chair, and the camera still off by its own choice.
    await delegate.getByTestId('me-muted').waitFor();
    assert.match(await delegate.getByTestId('me-muted').textContent(), /Chủ trì đã tắt tiếng/);
    assert.equal(await delegate.getByTestId('self-cam').getAttribute('aria-pressed'), 'false');
    await until('the room still sees the camera off and the sound muted', async () => {
      const p = (await view(chair)).roster.find((x) => x.identity === ids.delegate);
      return p?.video_muted && p?.audio_muted;
    });
    await delegate.getByTestId('self-cam').click(); // camera back on
    await until('the chair decodes the delegate again', async () => (await risingAny(chair, (x) => x.kind === 'video' && x.identity === ids.delegate, 'framesDecoded', 700)).rising);
    await screenshot(delegate, 'video-e-reloaded');
  });

  test('(f) the media server restarts: the pages say they are reconnecting and come back', async () => {
    const again = server.restart;
    await server.stop({ keepData: true });
    for (const page of [chair, delegate]) await page.getByTestId('video-reconnecting').waitFor({ timeout: 10_000 });
    await screenshot(delegate, 'video-f-reconnecting');
    server = await startServer({ name: 'video', restart: again });
    const t0 = Date.now();
    for (const page of [chair, delegate]) {
      await until('live again', async () => (await page.getByTestId('video-room').getAttribute('data-state')) === 'live', 30_000);
    }
    figures.restartToLive = Date.now() - t0;
    figures.restartLiveInPage = Number(await delegate.getByTestId('video-room').getAttribute('data-live-ms'));
    await delegate.getByTestId('video-reconnecting').waitFor({ state: 'detached' });
    await until('sound again after the restart', async () => (await rising(delegate, (x) => x.kind === 'audio' && x.identity === ids.chair, 'packetsReceived', 500)).rising, 20_000);
    figures.restartToSound = Date.now() - t0;
    // The new server knows nothing of the old room: the delegate is muted again as it joins.
    await delegate.getByTestId('me-muted').waitFor();
    await until('pictures again after the restart', async () => slotOf(await stats(delegate), (x) => x.kind === 'video' && x.identity === ids.chair && x.framesDecoded > 0), 20_000);
    figures.restartToFrame = Date.now() - t0;
  });

  test('no page raised an error', () => {
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });
});
