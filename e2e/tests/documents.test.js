// Documents on tablets: the secretary uploads a draft with a progress bar, a delegate reads it in
// the built-in viewer, searches it, keeps a private note and comments; the secretary sees the
// comment and exports the comments; another delegate never sees the note.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { samplePdf } from '../lib/pdf.js';
import { startServer } from '../lib/server.js';

describe('documents', () => {
  let server;
  const browsers = [];
  const pages = {};
  let meetingUrl;

  async function open(name, username) {
    const b = await signedIn(server.url, username);
    browsers.push(b);
    pages[name] = b.page;
    return b.page;
  }

  before(async () => {
    server = await startServer({ name: 'documents' });
    await open('sec', 'thuky');
    await open('d1', 'giamdoc.stnmt');
    await open('d2', 'chutich.dongson');
    const sec = pages.sec;
    await sec.goto(`${server.url}/meetings`);
    await sec.getByRole('link', { name: /Hội nghị giao ban trực tuyến/ }).click();
    await sec.getByTestId('agenda').waitFor();
    meetingUrl = sec.url().split('?')[0];
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
  });

  test('a file that is not a PDF is refused with a Vietnamese reason', async () => {
    const sec = pages.sec;
    await sec.goto(`${meetingUrl}?tab=documents`);
    await sec.getByLabel('Tệp (PDF, DOCX, XLSX)').setInputFiles({ name: 'gia-mao.pdf', mimeType: 'application/pdf', buffer: Buffer.from('day khong phai la PDF') });
    await sec.getByTestId('upload-form').getByRole('button', { name: 'Tải tài liệu lên' }).click();
    await sec.getByTestId('upload-error').getByText(/Chỉ nhận tệp PDF/).waitFor();
  });

  test('the secretary uploads a draft and a delegate reads, searches, notes and comments', async () => {
    const sec = pages.sec;
    const pdf = samplePdf(['Du thao ke hoach phong chong thien tai 2027', 'Muc 2: Kinh phi thuc hien']);
    await sec.getByLabel('Tệp (PDF, DOCX, XLSX)').setInputFiles({ name: 'Dự thảo kế hoạch.pdf', mimeType: 'application/pdf', buffer: pdf });
    await sec.getByTestId('upload-form').getByLabel('Tên tài liệu').fill('Dự thảo Kế hoạch phòng, chống thiên tai 2027');
    await sec.getByTestId('upload-form').getByLabel('Loại').selectOption('draft');
    await sec.getByTestId('upload-form').getByRole('button', { name: 'Tải tài liệu lên' }).click();
    await sec.getByTestId('doc-row').getByText('Dự thảo Kế hoạch phòng, chống thiên tai 2027').waitFor();

    const d1 = pages.d1;
    await d1.goto(`${meetingUrl}?tab=documents`);
    await d1.getByTestId('doc-open').click();
    await d1.getByTestId('viewer-canvas').waitFor();
    await d1.getByTestId('viewer-page').getByText('Trang 1/2').waitFor();
    // The page is really drawn: the canvas has dark (text) pixels.
    await d1.waitForFunction(() => {
      const c = document.querySelector('[data-testid="viewer-canvas"]');
      if (!c || !c.width) return false;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < data.length; i += 16) if (data[i] < 100 && data[i + 3] > 0) dark++;
      return dark > 50;
    });
    await d1.getByLabel('Tìm trong tài liệu').fill('kinh phi');
    await d1.getByLabel('Tìm trong tài liệu').press('Enter');
    await d1.getByTestId('viewer-page').getByText('Trang 2/2').waitFor();

    await d1.getByLabel('Ghi chú riêng (trang 2)').fill('Hỏi lại nguồn kinh phí');
    await d1.getByTestId('save-note').click();
    await d1.getByText('Đã lưu ghi chú.').waitFor();
    await d1.getByLabel('Nội dung góp ý').fill('Đề nghị bổ sung kinh phí dự phòng cho các xã ven biển');
    await d1.getByTestId('send-comment').click();
    await d1.getByTestId('comment').getByText(/kinh phí dự phòng/).waitFor();
    await screenshot(d1, 'document-viewer');

    // The note survives a reload for its author.
    await d1.reload();
    await d1.getByTestId('viewer-canvas').waitFor();
    await d1.getByTestId('viewer-next').click();
    await d1.waitForFunction(() => document.querySelector('textarea[name="note"]')?.value === 'Hỏi lại nguồn kinh phí');
  });

  test('another delegate does not see the note; the secretary sees the comment and exports it', async () => {
    const d2 = pages.d2;
    await d2.goto(`${meetingUrl}?tab=documents`);
    await d2.getByTestId('doc-open').click();
    await d2.getByTestId('viewer-canvas').waitFor();
    await d2.getByTestId('viewer-next').click();
    assert.equal(await d2.getByLabel('Ghi chú riêng (trang 2)').inputValue(), '');
    // Asked directly, the server has no note for this delegate either.
    const docPath = new URL(d2.url()).pathname.replace('/meetings/', '/api/meetings/');
    const notes = await (await d2.request.get(`${server.url}${docPath}/notes`)).json();
    assert.deepEqual(notes.items, []);
    assert.equal(await d2.getByTestId('comment').count(), 0);

    const sec = pages.sec;
    await sec.goto(`${meetingUrl}?tab=documents`);
    await sec.getByTestId('doc-open').click();
    await sec.getByTestId('comment').getByText(/kinh phí dự phòng/).waitFor();
    await sec.getByRole('button', { name: 'Tiếp thu', exact: true }).click();
    await sec.getByTestId('comment').getByText(/Tiếp thu/).waitFor();
    const href = await sec.getByTestId('export-csv').getAttribute('href');
    const res = await sec.request.get(`${server.url}${href}`);
    assert.equal(res.status(), 200);
    const csv = (await res.body()).toString('utf8');
    assert.ok(csv.startsWith('\ufeff'));
    assert.match(csv, /Đề nghị bổ sung kinh phí dự phòng cho các xã ven biển/);
    assert.match(csv, /Tiếp thu/);
    await screenshot(sec, 'document-viewer-secretary');
    const pdfRes = await sec.request.get(`${server.url}${await sec.getByTestId('export-pdf').getAttribute('href')}`);
    assert.equal(pdfRes.status(), 200);
    assert.equal(pdfRes.headers()['content-type'], 'application/pdf');
    assert.ok((await pdfRes.body()).subarray(0, 5).toString() === '%PDF-');
  });

  test('the secretary narrows who may read the draft; the other delegate\'s open list drops it live', async () => {
    const d2 = pages.d2;
    await d2.goto(`${meetingUrl}?tab=documents`);
    const row = d2.getByTestId('doc-row').filter({ hasText: 'Dự thảo Kế hoạch phòng, chống thiên tai 2027' });
    await row.waitFor();
    const fileHref = await row.getByText('Tải về').getAttribute('href');

    const sec = pages.sec;
    await sec.goto(`${meetingUrl}?tab=documents`);
    const secRow = sec.getByTestId('doc-row').filter({ hasText: 'Dự thảo Kế hoạch phòng, chống thiên tai 2027' });
    await secRow.getByTestId('doc-access').click();
    const editor = secRow.getByTestId('access-editor');
    await editor.getByLabel('Ai được đọc').selectOption('named');
    await editor.getByLabel('Trần Quốc Bảo').check();
    await screenshot(sec, 'documents-access-editor');
    await editor.getByRole('button', { name: 'Lưu quyền đọc' }).click();
    await sec.getByText('Đã lưu quyền đọc.').waitFor();
    await secRow.getByText(/Người được chỉ định/).waitFor();

    // Without reloading, the second delegate's list loses the document, and the file is refused.
    await row.waitFor({ state: 'detached' });
    assert.equal((await d2.request.get(`${server.url}${fileHref}`)).status(), 403);
    // The named delegate still reads it.
    assert.equal((await pages.d1.request.get(`${server.url}${fileHref}`)).status(), 200);
  });

  test('no page raised an error', () => {
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });
});
