// Recording a meeting's conference, in browsers inside the loopback-only namespace: the chair
// starts and stops recording from the meeting page while in the video room, a delegate's page
// shows "Đang ghi hình" live, and the secretary plays the finished recording in the page's player
// and seeks in it.
//
// The file comes by the real path as far as it exists. The server's SFU is told record_start and
// record_stop on the bus; once the SFU records (it writes the file with package sfu/record and
// publishes the "recording" media event), the server imports that file and this test plays it.
// Until then the SFU ignores those commands, and the test stands in for it: after waiting for the
// SFU's event, it writes a WebM of a synthetic conference with the same muxer
// (sfu/record/cmd/recordfixture) where the SFU would, and publishes the event the SFU would. The
// test says which of the two happened. To reach the server's bus from outside, the server runs
// against a NATS of the test's own (the embedded one listens on no port).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { startNats } from '../lib/nats.js';
import { startServer } from '../lib/server.js';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

describe('recording', () => {
  let nats;
  let server;
  const browsers = [];
  const pages = {};
  let meetingUrl;
  let meetingId;

  async function open(name, username) {
    const b = await signedIn(server.url, username);
    browsers.push(b);
    pages[name] = b.page;
    return b.page;
  }

  before(async () => {
    nats = await startNats();
    server = await startServer({ name: 'recording', env: { PHONGHOP_NATS_URL: nats.url } });
    await open('chair', 'chutich');
    await open('sec', 'thuky');
    await open('delegate', 'giamdoc.stnmt');
    const chair = pages.chair;
    await chair.goto(`${server.url}/meetings`);
    await chair.getByRole('link', { name: /Hội nghị giao ban trực tuyến/ }).click();
    await chair.getByTestId('meeting-status').waitFor();
    meetingUrl = chair.url().split('?')[0];
    meetingId = Number(meetingUrl.split('/').pop());
    await chair.getByTestId('action-start').click();
    await chair.getByTestId('meeting-status').getByText('Đang họp').waitFor();
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
    await nats?.stop();
  });

  const recordingsOf = (page) => page.evaluate(async (id) => (await (await fetch(`/api/meetings/${id}/recordings`)).json()).items, meetingId);

  test('nobody but the chair and the secretary may record: the server refuses with a reason', async () => {
    const delegate = pages.delegate;
    await delegate.goto(meetingUrl);
    await delegate.getByTestId('agenda').waitFor();
    assert.equal(await delegate.getByTestId('record-start').count(), 0, 'a delegate sees the record button');
    const refused = await delegate.evaluate(async (id) => {
      const csrf = (await (await fetch('/api/auth/session')).json()).csrf_token;
      const res = await fetch(`/api/meetings/${id}/media-commands`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ type: 'record_start' }),
      });
      return { status: res.status, body: await res.json() };
    }, meetingId);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /Chỉ chủ trì hoặc thư ký/);
  });

  test('the chair records from the video room; the delegate\'s page shows it live', async () => {
    const { chair, delegate } = pages;
    // In the video room, so that an SFU that records has the chair's camera and microphone.
    await chair.goto(`${meetingUrl}?tab=video`);
    await chair.getByTestId('preview').waitFor();
    await chair.getByTestId('video-join').click();
    await chair.getByTestId('video-room').waitFor();

    await chair.getByTestId('record-start').click();
    await chair.getByTestId('recording-badge').waitFor();
    await delegate.getByTestId('recording-badge').getByText('Đang ghi hình').waitFor();
    await screenshot(delegate, 'recording-badge-delegate');
    await chair.waitForTimeout(5_000); // a few seconds of conference for an SFU that records
    await chair.getByTestId('record-stop').click();
    await chair.getByTestId('recording-badge').waitFor({ state: 'detached' });
    await delegate.getByTestId('recording-badge').waitFor({ state: 'detached' });
  });

  test('the finished recording is imported: from the SFU, or from the stand-in', async () => {
    const sec = pages.sec;
    await sec.goto(meetingUrl);
    await sec.getByTestId('agenda').waitFor();
    let [rec] = await recordingsOf(sec);
    assert.ok(rec && (rec.status === 'stopping' || rec.status === 'done' || rec.status === 'failed'), `recording ${JSON.stringify(rec)}`);
    // Give the SFU time to close its file and report it.
    for (let i = 0; i < 40 && rec.status === 'stopping'; i++) {
      await sec.waitForTimeout(250);
      [rec] = await recordingsOf(sec);
    }
    assert.notEqual(rec.status, 'failed', `the SFU reported the recording failed: ${rec.error}`);
    if (rec.status === 'done') {
      console.log(`recording ${rec.id}: made by the SFU (${rec.bytes} bytes, ${rec.duration_ms} ms)`);
    } else {
      console.log(`recording ${rec.id}: the SFU did not report it; the stand-in writes it with the muxer and announces it`);
      const dir = join(server.dataDir, 'recordings');
      const args = ['-dir', dir, '-room', `meeting-${meetingId}`, '-id', String(rec.id), '-nats', nats.url, '-duration', '8s'];
      const [cmd, cmdArgs] = process.env.RECORD_FIXTURE_BIN
        ? [process.env.RECORD_FIXTURE_BIN, args]
        : ['go', ['run', './sfu/record/cmd/recordfixture', ...args]];
      const { stdout } = await promisify(execFile)(cmd, cmdArgs, { cwd: repo, timeout: 180_000 });
      const ev = JSON.parse(stdout);
      assert.equal(ev.recording_id, rec.id);
      for (let i = 0; i < 100 && rec.status !== 'done'; i++) {
        await sec.waitForTimeout(100);
        [rec] = await recordingsOf(sec);
      }
    }
    assert.equal(rec.status, 'done', `recording ${JSON.stringify(rec)}`);
    assert.ok(rec.readable && rec.document_id > 0 && rec.bytes > 0 && rec.duration_ms > 2000, JSON.stringify(rec));
  });

  test('the secretary plays the recording and seeks in it', async () => {
    const sec = pages.sec;
    await sec.goto(`${meetingUrl}?tab=recordings`);
    const row = sec.getByTestId('recording-row').first();
    await row.getByTestId('recording-status').getByText('Đã lưu').waitFor();
    await row.getByTestId('recording-play').click();
    const video = sec.getByTestId('recording-video');
    await video.waitFor();
    // Muted, so the page may start it without a gesture; headless Chromium's audio output can
    // take a moment to start the clock.
    await video.evaluate((v) => ((v.muted = true), v.play()));
    await sec.waitForFunction(() => {
      const v = document.querySelector('[data-testid="recording-video"]');
      return v.readyState >= 2 && v.currentTime > 0.5;
    }, null, { timeout: 20_000 });
    const first = await video.evaluate((v) => ({ duration: v.duration, width: v.videoWidth, height: v.videoHeight, t: v.currentTime }));
    assert.ok(first.duration > 2, `duration ${first.duration}`);
    assert.ok(first.width > 0 && first.height > 0, `picture ${first.width}x${first.height}`);
    await screenshot(sec, 'recording-player');

    const target = Math.min(4, first.duration / 2);
    const seeked = await video.evaluate((v, at) => new Promise((res) => {
      v.addEventListener('seeked', () => res(v.currentTime), { once: true });
      v.currentTime = at;
    }), target);
    assert.ok(Math.abs(seeked - target) < 0.5, `seeked to ${seeked}, asked ${target}`);
    await sec.waitForFunction((at) => {
      const v = document.querySelector('[data-testid="recording-video"]');
      return v.readyState >= 2 && v.currentTime > at + 0.3 && !v.error;
    }, target, { timeout: 15_000 });
  });

  test('no page raised an error', () => {
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });
});
