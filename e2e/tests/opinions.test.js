// Written opinion forms on tablets: the secretary sends a draft with two questions to two
// delegates, both answer from the meeting page (one in portrait), one corrects their answer;
// the secretary follows who answered, closes the form, drafts and saves the summary and sends it
// to the chair, who approves it on the same page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { samplePdf } from '../lib/pdf.js';
import { startServer } from '../lib/server.js';

const LANDSCAPE = { width: 1024, height: 768 };
const PORTRAIT = { width: 768, height: 1024 };

describe('opinion forms', () => {
  let server;
  const browsers = [];
  const pages = {};
  let meetingUrl;
  let formUrl;

  async function open(name, username, viewport) {
    const b = await signedIn(server.url, username, undefined, { viewport });
    browsers.push(b);
    pages[name] = b.page;
    b.page.on('dialog', (d) => d.accept());
    return b;
  }

  before(async () => {
    server = await startServer({ name: 'opinions' });
    await open('sec', 'thuky', LANDSCAPE);
    await open('d1', 'giamdoc.stnmt', LANDSCAPE);
    await open('d2', 'chutich.dongson', PORTRAIT);
    await open('chair', 'chutich', LANDSCAPE);
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

  test('the secretary sends a form on a draft to two delegates', async () => {
    const sec = pages.sec;
    await sec.goto(`${meetingUrl}?tab=documents`);
    const pdf = samplePdf(['Du thao ke hoach phong chong thien tai 2027']);
    await sec.getByLabel('Tệp (PDF, DOCX, XLSX)').setInputFiles({ name: 'du-thao.pdf', mimeType: 'application/pdf', buffer: pdf });
    await sec.getByTestId('upload-form').getByLabel('Tên tài liệu').fill('Dự thảo Kế hoạch phòng, chống thiên tai 2027');
    await sec.getByTestId('upload-form').getByLabel('Loại').selectOption('draft');
    await sec.getByTestId('upload-form').getByRole('button', { name: 'Tải tài liệu lên' }).click();
    await sec.getByTestId('doc-row').getByText('Dự thảo Kế hoạch phòng, chống thiên tai 2027').waitFor();

    await sec.goto(`${meetingUrl}?tab=opinions`);
    const form = sec.getByTestId('opinion-new');
    // Without a question the server refuses, and the page says why in Vietnamese.
    await form.getByLabel('Tên phiếu').fill('Lấy ý kiến về dự thảo Kế hoạch phòng, chống thiên tai 2027');
    await form.getByLabel('Dự thảo cần lấy ý kiến').selectOption({ label: 'Dự thảo Kế hoạch phòng, chống thiên tai 2027' });
    await form.getByRole('button', { name: 'Gửi phiếu' }).click();
    await sec.getByTestId('opinion-error').getByText(/câu hỏi/).waitFor();

    await form.getByLabel('Câu hỏi (mỗi dòng một câu)').fill('Về mục tiêu của kế hoạch\nVề kinh phí thực hiện');
    await form.getByLabel(/Trần Quốc Bảo/).check();
    await form.getByLabel(/Lê Thị Hoa/).check();
    await form.getByRole('button', { name: 'Gửi phiếu' }).click();
    await sec.getByTestId('opinion-row').getByText('0/2 đã trả lời').waitFor();
    await screenshot(sec, 'opinions-sent');
  });

  test('two delegates answer from the meeting page; a correction keeps the first answer', async () => {
    for (const [name, choices] of [['d1', ['Đồng ý', 'Đồng ý']], ['d2', ['Không đồng ý', 'Ý kiến khác']]]) {
      const p = pages[name];
      await p.goto(`${meetingUrl}?tab=opinions`);
      await p.getByTestId('opinion-row').getByRole('link').click();
      await p.getByTestId('opinion-answer').waitFor();
      formUrl = p.url();
      const qs = p.getByTestId('opinion-question');
      for (let i = 0; i < choices.length; i++) {
        const choice = qs.nth(i).getByLabel(choices[i], { exact: true });
        await choice.check();
        const box = await qs.nth(i).locator('label.choice').first().boundingBox();
        assert.ok(box && box.height >= 44, `${name}: a choice is ${box?.height}px high, under the 44px touch target`);
      }
      if (name === 'd2') {
        // "Other" without a reason is refused with a Vietnamese message.
        await p.getByTestId('answer-submit').click();
        await p.getByTestId('answer-error').getByText(/ghi rõ ý kiến khác/).waitFor();
        await qs.nth(1).getByLabel('Ý kiến cụ thể 2').fill('Đề nghị bổ sung kinh phí dự phòng cho các xã ven biển');
      }
      const submit = p.getByTestId('answer-submit');
      const sb = await submit.boundingBox();
      assert.ok(sb && sb.height >= 44, `${name}: the send button is ${sb?.height}px high`);
      await submit.click();
      await p.getByTestId('answer').first().waitFor();
      await screenshot(p, `opinions-answered-${name}`);
    }
    // d1 changes their mind on the second question: a new answer, the first one kept.
    const d1 = pages.d1;
    await d1.getByTestId('opinion-question').nth(1).getByLabel('Không đồng ý', { exact: true }).check();
    await d1.getByTestId('answer-submit').click();
    await d1.getByText('Lần 2').waitFor();
    await d1.getByText(/Lần 1.*đã được thay thế/).waitFor();
  });

  test('the secretary closes the form, summarises it and the chair approves the summary', async () => {
    const sec = pages.sec;
    await sec.goto(formUrl);
    await sec.getByTestId('opinion-progress').getByText('2/2 đã trả lời').waitFor();
    assert.equal(await sec.getByTestId('recipient').count(), 2);
    assert.equal(await sec.getByTestId('opinion-follow').getByTestId('answer').count(), 3, 'every answer revision is shown to the secretary');
    await sec.getByTestId('opinion-close').click();
    await sec.getByTestId('opinion-status').getByText('Đã đóng').waitFor();

    await sec.getByTestId('summary-draft').click();
    const q = sec.getByTestId('summary-question');
    await q.first().waitFor();
    // Question 1: d1 agrees, d2 disagrees; question 2 counts d1's correction (disagree), not
    // their first answer (agree), and d2's other opinion.
    assert.equal(await q.nth(0).getByTestId('summary-agree').inputValue(), '1');
    assert.equal(await q.nth(0).getByTestId('summary-disagree').inputValue(), '1');
    assert.equal(await q.nth(1).getByTestId('summary-agree').inputValue(), '0');
    assert.equal(await q.nth(1).getByTestId('summary-disagree').inputValue(), '1');
    assert.equal(await q.nth(1).getByTestId('summary-other').inputValue(), '1');
    await sec.getByLabel('Đề xuất, kiến nghị').fill('Đề nghị Chủ tịch UBND tỉnh xem xét, cho ý kiến.');
    await sec.getByTestId('summary-save').click();
    await sec.getByText(/Đã lưu báo cáo tổng hợp \(phiên bản 1\)/).waitFor();
    await sec.getByTestId('summary-approval-form').getByLabel('Lãnh đạo phê duyệt').selectOption({ label: 'Đỗ Minh Tuấn — Chủ tịch UBND tỉnh' });
    await sec.getByTestId('summary-approval-form').getByRole('button', { name: 'Trình phê duyệt' }).click();
    await sec.getByTestId('summary-approval-status').getByText('Chờ phê duyệt').waitFor();

    const chair = pages.chair;
    await chair.goto(formUrl);
    await chair.getByTestId('opinion-summary').waitFor();
    await screenshot(chair, 'opinions-chair');
    await chair.getByTestId('summary-approve').click();
    await chair.getByTestId('summary-approval-status').getByText('Đã phê duyệt').waitFor();
    await screenshot(chair, 'opinions-approved');

    // A delegate whose answer is in cannot answer after the close.
    await pages.d2.goto(formUrl);
    await pages.d2.getByTestId('opinion-closed').waitFor();
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });

  test('the report of the period shows on a tablet, with its CSV and PDF', async () => {
    const sec = pages.sec;
    await sec.goto(`${server.url}/reports`);
    const d = new Date(Date.now() + 2 * 24 * 3600_000).toISOString().slice(0, 10);
    await sec.getByLabel('Đến ngày').fill(d);
    await sec.getByRole('button', { name: 'Xem báo cáo' }).click();
    await sec.getByTestId('report-held').getByText(/Số cuộc họp đã tổ chức: 0/).waitFor();
    const csv = await sec.evaluate(async (href) => Array.from(new Uint8Array(await (await fetch(href)).arrayBuffer())), await sec.getByRole('link', { name: 'Tải CSV (Excel)' }).getAttribute('href'));
    assert.deepEqual(csv.slice(0, 3), [0xef, 0xbb, 0xbf], 'the CSV starts with a UTF-8 byte-order mark for Excel');
    assert.ok(Buffer.from(csv).toString('utf8').includes('Vắng không lý do'), 'the CSV has its Vietnamese headers');
    const pdf = await sec.evaluate(async (href) => (await fetch(href)).headers.get('content-type'), await sec.getByRole('link', { name: 'Bản PDF' }).getAttribute('href'));
    assert.equal(pdf, 'application/pdf');
    await sec.getByTestId('chart').first().waitFor();
    await screenshot(sec, 'reports');
  });
});
