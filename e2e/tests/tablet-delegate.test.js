// A delegate's meeting on a tablet, in portrait (768×1024) and landscape (1024×768): their few
// tasks (documents, the floor, votes, the video) up front without scrolling sideways; a PDF
// opens fitted to the width of the reading area; they ask for the floor and vote in an open vote
// the chair runs from the chair's tablet, and see the result. Every button on those screens is
// large enough for a finger (44 px). Screenshots go to artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { samplePdf } from '../lib/pdf.js';
import { startServer } from '../lib/server.js';

const MEETING = /Hội nghị giao ban trực tuyến/;
const LANDSCAPE = { width: 1024, height: 768 };
const PORTRAIT = { width: 768, height: 1024 };
const TASKS = [['documents', 'Tài liệu'], ['floor', 'Phát biểu'], ['votes', 'Biểu quyết'], ['video', 'Hội nghị truyền hình']];
const DOC = 'Báo cáo tình hình kinh tế - xã hội tháng 11';

/** Every rendered button-like control shorter than 44 px: "label (height)". */
function smallButtons(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, a.btn, [role="button"], [role="tab"], input[type="submit"], input[type="button"]')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (r.height < 44) out.push(`${(el.textContent || el.getAttribute('aria-label') || el.tagName).trim().slice(0, 40)} (${Math.round(r.height)})`);
    }
    return out;
  });
}

async function noSideScroll(page, label) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `${label}: the page scrolls sideways (${scroll} > ${client})`);
}

async function bigEnough(page, label) {
  assert.deepEqual(await smallButtons(page), [], `${label}: buttons shorter than 44 px`);
}

describe('tablets: a delegate reads, asks for the floor and votes', () => {
  let server;
  const browsers = [];
  let sec;
  let chair;
  let delegate;
  let meetingUrl;

  before(async () => {
    server = await startServer({ name: 'tablet-delegate' });
    const s = await signedIn(server.url, 'thuky');
    const c = await signedIn(server.url, 'chutich', undefined, { viewport: LANDSCAPE });
    const d = await signedIn(server.url, 'giamdoc.stnmt', undefined, { viewport: PORTRAIT });
    browsers.push(s, c, d);
    [sec, chair, delegate] = browsers.map((b) => b.page);
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
  });

  test('the secretary puts a PDF in the meeting; the chair starts it', async () => {
    await chair.goto(`${server.url}/meetings`);
    await chair.getByRole('link', { name: MEETING }).click();
    await chair.getByTestId('meeting-status').waitFor();
    meetingUrl = chair.url().split('?')[0];
    if (await chair.getByTestId('action-start').count()) {
      await chair.getByTestId('action-start').click();
      await chair.getByTestId('meeting-status').getByText('Đang họp').waitFor();
    }
    // Votes open only with a voting member present: the delegate checks in.
    await delegate.goto(`${meetingUrl}?tab=participants`);
    await delegate.getByTestId('checkin-in-person').click();
    await delegate.getByTestId('my-attendance').getByText('Có mặt trực tiếp').waitFor();
    await sec.goto(`${meetingUrl}?tab=documents`);
    const pdf = samplePdf(['Bao cao tinh hinh kinh te xa hoi thang 11', 'Phu luc: so lieu']);
    await sec.getByLabel('Tệp (PDF, DOCX, XLSX)').setInputFiles({ name: 'bao-cao.pdf', mimeType: 'application/pdf', buffer: pdf });
    await sec.getByTestId('upload-form').getByLabel('Tên tài liệu').fill(DOC);
    await sec.getByTestId('upload-form').getByRole('button', { name: 'Tải tài liệu lên' }).click();
    await sec.getByTestId('doc-row').getByText(DOC).waitFor();
  });

  for (const [name, size] of [['portrait', PORTRAIT], ['landscape', LANDSCAPE]]) {
    test(`${name} ${size.width}×${size.height}: the four tasks up front, nothing off-screen`, async () => {
      await delegate.setViewportSize(size);
      await delegate.goto(meetingUrl);
      await delegate.getByTestId('meeting-status').waitFor();
      for (const [key, label] of TASKS) {
        const tab = delegate.locator('.task-tabs').getByTestId(`tab-${key}`);
        assert.equal((await tab.textContent()).trim(), label);
        const box = await tab.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= size.width, `${label} is on the screen: ${JSON.stringify(box)}`);
        assert.ok(box.y + box.height <= size.height, `${label} is above the fold: ${JSON.stringify(box)}`);
      }
      // The header fits: the brand does not run over the menu, whose words stay on one line.
      const head = await delegate.evaluate(() => ({
        brand: document.querySelector('.brand').getBoundingClientRect().right,
        nav: document.querySelector('.nav').getBoundingClientRect().left,
        lines: [...document.querySelectorAll('.nav-link')].map((a) => {
          const r = document.createRange();
          r.selectNodeContents(a);
          return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
        }),
      }));
      assert.ok(head.brand <= head.nav, `${name}: the brand runs over the menu: ${JSON.stringify(head)}`);
      assert.ok(head.lines.every((n) => n === 1), `${name}: a menu word breaks onto two lines: ${JSON.stringify(head)}`);
      await noSideScroll(delegate, `${name} meeting page`);
      await bigEnough(delegate, `${name} meeting page`);
      await screenshot(delegate, `tablet-delegate-${name}-tasks`);
    });

    test(`${name}: a PDF opens fitted to the width of the reading area`, async () => {
      await delegate.locator('.task-tabs').getByTestId('tab-documents').click();
      await delegate.getByTestId('doc-row').filter({ hasText: DOC }).getByTestId('doc-open').click();
      const canvas = delegate.getByTestId('viewer-canvas');
      await canvas.waitFor();
      await delegate.getByTestId('viewer-page').getByText('Trang 1/2').waitFor();
      // Wait for the drawn page (the canvas has its CSS width once rendered).
      const fit = await delegate.waitForFunction(() => {
        const c = document.querySelector('[data-testid="viewer-canvas"]');
        if (!c || !c.style.width) return null;
        const area = c.parentElement.getBoundingClientRect().width;
        return { page: c.getBoundingClientRect().width, area };
      });
      const { page, area } = await fit.jsonValue();
      const ratio = page / area;
      assert.ok(ratio > 0.9 && ratio <= 1.0, `${name}: page ${page} px in a ${area} px reading area (${ratio.toFixed(3)})`);
      await noSideScroll(delegate, `${name} viewer`);
      await bigEnough(delegate, `${name} viewer`);
      await screenshot(delegate, `tablet-delegate-${name}-viewer`);
    });

    test(`${name}: the delegate asks for the floor and sees their place`, async () => {
      await delegate.goto(`${meetingUrl}?tab=floor`);
      await delegate.getByLabel('Nội dung (không bắt buộc)').fill(`Về số liệu giải ngân (${name})`);
      await delegate.getByTestId('floor-request').click();
      const mine = delegate.getByTestId('floor-waiting').filter({ hasText: `Về số liệu giải ngân (${name})` });
      await mine.waitFor();
      await chair.goto(`${meetingUrl}?tab=floor`);
      await chair.getByTestId('floor-waiting').filter({ hasText: 'Trần Quốc Bảo' }).waitFor();
      await noSideScroll(delegate, `${name} floor`);
      await bigEnough(delegate, `${name} floor`);
      await screenshot(delegate, `tablet-delegate-${name}-floor`);
      // Withdrawn, so the next orientation asks again.
      await mine.getByRole('button', { name: 'Rút đăng ký' }).click();
      await mine.waitFor({ state: 'detached' });
    });

    test(`${name}: the delegate votes in an open vote and sees the published result`, async () => {
      const question = `Thông qua báo cáo tháng 11 (${name})`;
      await chair.goto(`${meetingUrl}?tab=votes`);
      await chair.getByTestId('new-vote').waitFor();
      await chair.getByLabel('Nội dung biểu quyết').fill(question);
      await chair.getByTestId('new-vote').getByRole('button', { name: 'Tạo biểu quyết' }).click();
      const card = chair.getByTestId('vote-card').filter({ hasText: question });
      await card.getByTestId('vote-open').click();
      await card.getByTestId('vote-status').getByText('Đang biểu quyết').waitFor();

      await delegate.goto(`${meetingUrl}?tab=votes`);
      const mine = delegate.getByTestId('vote-card').filter({ hasText: question });
      await mine.getByTestId('ballot-option').first().waitFor();
      await noSideScroll(delegate, `${name} ballot`);
      await bigEnough(delegate, `${name} ballot`);
      await screenshot(delegate, `tablet-delegate-${name}-ballot`);
      await mine.getByTestId('ballot-option').first().click();
      await mine.getByTestId('vote-receipt').waitFor();
      assert.match(await mine.getByTestId('vote-receipt').textContent(), /đã được ghi nhận/);

      await card.getByTestId('vote-close').click();
      await card.getByTestId('vote-publish').click();
      await card.getByTestId('vote-status').getByText('Đã công bố').waitFor();
      // The delegate's page follows the meeting's events: the result arrives without a reload.
      await mine.getByTestId('vote-result').waitFor();
      const counts = (await mine.getByTestId('vote-count').allTextContents()).map(Number);
      assert.equal(counts[0], 1, `one vote for: ${counts}`);
      await noSideScroll(delegate, `${name} result`);
      await bigEnough(delegate, `${name} result`);
      await screenshot(delegate, `tablet-delegate-${name}-result`);
    });
  }

  test('no page raised an error', () => {
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });
});
