// The video conference in two browsers with Chromium's fake camera and microphone, inside the
// loopback-only namespace: each sees the other's video, a delegate joins muted, and the chair's
// mute and unmute reach the delegate's page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

describe('video conference', () => {
  let server;
  const browsers = [];
  let chair;
  let delegate;

  before(async () => {
    server = await startServer({ name: 'video' });
    for (const u of ['chutich', 'giamdoc.stnmt']) browsers.push(await signedIn(server.url, u));
    [chair, delegate] = browsers.map((b) => b.page);
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
  });

  // True once a remote video on the page is showing decoded frames.
  const playing = (page) =>
    page.waitForFunction(() => [...document.querySelectorAll('[data-testid="remote-video"]')].some((v) => v.videoWidth > 0 && v.currentTime > 0.3), null, { timeout: 20_000 });

  test('two points join and see each other', async () => {
    for (const page of [chair, delegate]) {
      await page.goto(`${server.url}/meetings`);
      await page.getByRole('link', { name: /Hội nghị giao ban trực tuyến/ }).click();
      await page.getByTestId('tab-video').click();
      await page.getByTestId('preview').waitFor();
      await page.getByTestId('video-join').click();
      await page.getByTestId('video-room').waitFor();
    }
    await playing(chair);
    await playing(delegate);
    await screenshot(chair, 'video-chair');
  });

  test('the delegate joined muted; the chair unmutes and mutes them', async () => {
    await delegate.getByTestId('me-muted').waitFor();
    const tile = chair.getByTestId('tile-main');
    await tile.getByTestId('tile-muted').waitFor();
    await tile.getByTestId('tile-mute').click(); // unmute
    await delegate.getByTestId('me-muted').waitFor({ state: 'detached' });
    await tile.getByTestId('tile-mute').click(); // mute again
    await delegate.getByTestId('me-muted').waitFor();
    assert.match(await delegate.getByTestId('me-muted').textContent(), /Chủ trì đã tắt tiếng/);
  });

  test('no page raised an error', () => {
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });
});
