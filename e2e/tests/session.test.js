// A meeting from preparation to a published vote, seen through several browsers at once: the
// secretary prepares, a delegate's tablet updates live, the chair runs the session, three
// delegates vote on their tablets, and the hall's projector shows the result.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshot } from '../lib/artifacts.js';
import { signedIn } from '../lib/browser.js';
import { samplePdf } from '../lib/pdf.js';
import { startServer } from '../lib/server.js';


describe('meetings and the session', () => {
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
    server = await startServer({ name: 'session' });
    await open('sec', 'thuky');
    await open('chair', 'chutich');
    await open('d1', 'giamdoc.stnmt');
    await open('d2', 'chutich.dongson');
    await open('d3', 'chutich.donghoa');
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
  });

  test('the secretary creates a meeting with the form, and bad input is explained in Vietnamese', async () => {
    const p = pages.sec;
    await p.goto(`${server.url}/meetings/new`);
    await p.getByTestId('meeting-form').waitFor();
    await p.getByLabel('Tên cuộc họp').fill('   ');
    await p.getByRole('button', { name: 'Tạo cuộc họp' }).click();
    await p.getByText('Hãy nhập tên cuộc họp.').waitFor();
    await p.getByLabel('Tên cuộc họp').fill('Họp bàn kế hoạch chuyển đổi số 2027');
    await p.getByLabel('Địa điểm').fill('Phòng họp tầng 3');
    await p.getByLabel('Người chủ trì').selectOption({ label: 'Đỗ Minh Tuấn — Chủ tịch UBND tỉnh' });
    await p.getByRole('button', { name: 'Tạo cuộc họp' }).click();
    await p.getByTestId('meeting-status').waitFor();
    assert.equal(await p.getByTestId('meeting-status').textContent(), 'Dự thảo');
    assert.match(await p.locator('h1').textContent(), /chuyển đổi số/);
  });

  test('the secretary invites two delegates and sends the invitations; a delegate watching sees agenda and documents arrive live', async () => {
    const sec = pages.sec;
    const url = sec.url().split('?')[0];
    await sec.getByTestId('tab-participants').click();
    for (const who of ['Trần Quốc Bảo — Giám đốc Sở Tài nguyên và Môi trường', 'Lê Thị Hoa — Chủ tịch UBND huyện Đông Sơn']) {
      await sec.getByTestId('invite-form').locator('select[name="invitee"]').selectOption({ label: who });
      await sec.getByTestId('invite-form').getByRole('button', { name: 'Mời' }).click();
      await sec.getByTestId('participants').getByText(who.split(' — ')[0]).waitFor();
    }
    await sec.getByTestId('action-schedule').click();
    await sec.getByTestId('meeting-status').getByText('Đã gửi giấy mời').waitFor();

    const d1 = pages.d1;
    await d1.goto(`${server.url}/meetings`);
    await d1.getByRole('link', { name: /chuyển đổi số/ }).click();
    await d1.getByText('Đang cập nhật trực tiếp').waitFor();
    await d1.getByTestId('tab-agenda').click();
    await sec.getByTestId('tab-agenda').click();
    const items = ['Đánh giá kết quả chuyển đổi số năm 2026', 'Dự thảo kế hoạch năm 2027', 'Phân công nhiệm vụ'];
    for (const [i, title] of items.entries()) {
      await sec.getByLabel('Nội dung', { exact: true }).fill(title);
      await sec.getByRole('button', { name: 'Thêm mục', exact: true }).click();
      await d1.getByTestId('agenda-item').nth(i).getByText(title).waitFor();
    }
    assert.equal(await d1.getByTestId('agenda-item').count(), 3);

    await d1.getByTestId('tab-documents').click();
    await sec.getByTestId('tab-documents').click();
    await sec.getByLabel('Tệp (PDF, DOCX, XLSX)').setInputFiles({ name: 'ke-hoach-2027.pdf', mimeType: 'application/pdf', buffer: samplePdf(['Ke hoach chuyen doi so 2027']) });
    await sec.getByTestId('upload-form').getByLabel('Tên tài liệu').fill('Dự thảo kế hoạch chuyển đổi số 2027');
    await sec.getByTestId('upload-form').getByRole('button', { name: 'Tải tài liệu lên' }).click();
    // The delegate's page was never reloaded: it is still the same document.
    await d1.evaluate(() => (window.__notReloaded = true));
    await d1.getByTestId('doc-row').getByText('Dự thảo kế hoạch chuyển đổi số 2027').waitFor();
    assert.equal(await d1.evaluate(() => window.__notReloaded), true);
    assert.equal(new URL(d1.url()).pathname, new URL(url).pathname);
  });

  test('a delegate sees the agenda change and the count of those present live', async () => {
    const sec = pages.sec;
    await sec.goto(`${server.url}/meetings`);
    await sec.getByRole('link', { name: /Hội nghị giao ban trực tuyến/ }).click();
    await sec.getByTestId('agenda').waitFor();
    meetingUrl = sec.url().split('?')[0];

    const d1 = pages.d1;
    await d1.goto(meetingUrl);
    await d1.getByTestId('agenda').waitFor();
    await d1.getByText('Đang cập nhật trực tiếp').waitFor();
    const before = await d1.getByTestId('agenda-item').count();

    await sec.getByLabel('Nội dung', { exact: true }).fill('Tình hình giải ngân vốn đầu tư công');
    await sec.getByLabel('Người trình bày').fill('Sở Kế hoạch và Đầu tư');
    await sec.getByRole('button', { name: 'Thêm mục', exact: true }).click();

    // No reload on the delegate's tablet.
    await d1.getByText('Tình hình giải ngân vốn đầu tư công').waitFor();
    assert.equal(await d1.getByTestId('agenda-item').count(), before + 1);

    await sec.getByTestId('tab-participants').click();
    const count = sec.getByTestId('attendance-count');
    await count.waitFor();
    assert.match(await count.textContent(), /^Có mặt 0\//);
    await d1.getByTestId('tab-participants').click();
    await d1.getByTestId('checkin-online').click();
    await d1.getByTestId('my-attendance').getByText('Có mặt trực tuyến').waitFor();
    await sec.getByTestId('attendance-count').getByText(/^Có mặt 1\//).waitFor();
    await screenshot(sec, 'meeting-participants');
  });

  async function checkIn(page) {
    await page.goto(`${meetingUrl}?tab=participants`);
    await page.getByTestId('checkin-in-person').click();
    await page.getByTestId('my-attendance').getByText('Có mặt trực tiếp').waitFor();
  }

  async function runVote({ question, secret, choices, expect, options }) {
    const chair = pages.chair;
    await chair.goto(`${meetingUrl}?tab=votes`);
    await chair.getByTestId('new-vote').waitFor();
    await chair.getByLabel('Nội dung biểu quyết').fill(question);
    if (secret) await chair.getByLabel('Bỏ phiếu kín').check();
    if (options) {
      await chair.getByTestId('vote-kind-choice').check();
      await chair.getByLabel('Các phương án (mỗi dòng một phương án, ít nhất 2)').fill(options.join('\n'));
    }
    await chair.getByTestId('new-vote').getByRole('button', { name: 'Tạo biểu quyết' }).click();
    const card = chair.getByTestId('vote-card').filter({ hasText: question });
    await card.getByTestId('vote-open').click();
    await card.getByTestId('vote-status').getByText('Đang biểu quyết').waitFor();

    const delegates = [pages.d1, pages.d2, pages.d3];
    for (const [i, d] of delegates.entries()) {
      await d.goto(`${meetingUrl}?tab=votes`);
      const c = d.getByTestId('vote-card').filter({ hasText: question });
      await c.getByTestId('ballot-option').nth(choices[i]).click();
      await c.getByTestId('vote-receipt').waitFor();
      assert.match(await c.getByTestId('vote-receipt').textContent(), /đã được ghi nhận/);
      // While open, a delegate sees turnout, never counts.
      assert.equal(await c.getByTestId('vote-result').count(), 0);
    }
    await pages.proj.goto(`${meetingUrl}/projector`);
    await pages.proj.getByTestId('projector-turnout').getByText(/Đã biểu quyết 3\//).waitFor();
    await screenshot(pages.proj, `projector-turnout-${secret ? 'secret' : 'open'}`);

    await card.getByTestId('vote-close').click();
    await card.getByTestId('vote-publish').click();
    await card.getByTestId('vote-status').getByText('Đã công bố').waitFor();

    const result = pages.proj.getByTestId('projector-result');
    await result.getByText(question).waitFor();
    const counts = await result.getByTestId('vote-count').allTextContents();
    assert.deepEqual(counts.map(Number), expect.counts);
    assert.equal(await result.getByTestId('vote-outcome').textContent(), expect.outcome);
    await screenshot(pages.proj, `projector-result-${options ? 'choice' : secret ? 'secret' : 'open'}`);
    return result;
  }

  test('the chair runs an open vote; three delegates vote on their tablets; the projector shows the result', async () => {
    await open('proj', 'kythuat');
    const chair = pages.chair;
    await chair.goto(meetingUrl);
    await chair.getByTestId('action-start').click();
    await chair.getByTestId('meeting-status').getByText('Đang họp').waitFor();
    await checkIn(chair);
    await checkIn(pages.d2);
    await checkIn(pages.d3);
    // The chair and three delegates vote; the chair abstains by not voting: 4 members, 3 ballots.
    await runVote({ question: 'Thông qua Kế hoạch phòng, chống thiên tai năm 2027', secret: false, choices: [0, 0, 1],
      expect: { counts: [2, 1, 0], outcome: 'Không được thông qua' } });
  });

  test('the same as a secret vote', async () => {
    await runVote({ question: 'Bầu tổ trưởng tổ công tác', secret: true, choices: [0, 0, 0],
      expect: { counts: [3, 0, 0], outcome: 'Được thông qua' } });
  });

  test('a choice between two options names the option chosen, in neutral colours, on the projector and the delegate page', async () => {
    const question = 'Lựa chọn phương án bố trí trụ sở làm việc';
    // 4 members: 2 ballots for "Phương án 2" are not more than half, so no option is chosen; 3 are.
    const result = await runVote({ question, secret: false, choices: [1, 1, 0], options: ['Phương án 1', 'Phương án 2'],
      expect: { counts: [1, 2], outcome: 'Không có phương án nào đạt tỷ lệ quy định' } });
    assert.equal(await result.getByTestId('vote-outcome').getAttribute('class'), 'vote-outcome chosen');
    const second = 'Lựa chọn phương án tổ chức hội nghị tổng kết';
    await runVote({ question: second, secret: true, choices: [1, 1, 1], options: ['Phương án 1', 'Phương án 2'],
      expect: { counts: [0, 3], outcome: 'Phương án được lựa chọn: Phương án 2' } });
    const d1 = pages.d1;
    await d1.goto(`${meetingUrl}?tab=votes`);
    const card = d1.getByTestId('vote-card').filter({ hasText: second });
    await card.getByTestId('vote-outcome').getByText('Phương án được lựa chọn: Phương án 2').waitFor();
    await card.getByTestId('vote-kind').waitFor();
    await screenshot(d1, 'delegate-choice-result');
  });

  test('the secretary writes the minutes, the chair approves them, and they are filed in the register', async () => {
    const sec = pages.sec;
    await sec.goto(`${meetingUrl}?tab=minutes`);
    await sec.getByTestId('record-generate').click();
    // The draft comes from the records: the published vote is in it.
    await sec.locator('textarea[name^="votes-"]').first().waitFor();
    assert.match(await sec.locator('textarea[name="participants"]').inputValue(), /Trần Quốc Bảo/);
    const voteText = (await sec.locator('textarea[name^="votes-"]').evaluateAll((els) => els.map((e) => e.value))).join('\n');
    assert.match(voteText, /"Lựa chọn phương án tổ chức hội nghị tổng kết".*Kết quả: phương án "Phương án 2" được lựa chọn\./);
    assert.match(voteText, /"Lựa chọn phương án bố trí trụ sở làm việc".*Kết quả: không có phương án nào đạt tỷ lệ quy định\./);
    await sec.getByTestId('record-save').click();
    await sec.getByText('Đã lưu phiên bản 1.').waitFor();

    await sec.goto(`${meetingUrl}?tab=approvals`);
    await sec.getByTestId('approval-form').locator('select[name="leader"]').selectOption({ label: 'Đỗ Minh Tuấn — Chủ tịch UBND tỉnh' });
    await sec.getByTestId('approval-form').getByRole('button', { name: 'Trình phê duyệt' }).click();
    await sec.getByTestId('approval-status').getByText('Chờ phê duyệt').waitFor();

    const chair = pages.chair;
    // From the console the chair reads the very text sent, with the completion time filled in.
    await chair.goto(meetingUrl);
    const preview = chair.getByTestId('console-approval').getByTestId('approval-preview');
    await preview.locator('summary').click();
    const text = await preview.getByTestId('approval-text').textContent();
    assert.match(text, /Biên bản được lập xong vào hồi \d{2} giờ \d{2} phút, ngày/);
    assert.match(text, /phương án "Phương án 2" được lựa chọn/);
    await screenshot(chair, 'console-approval-preview');
    await chair.goto(`${meetingUrl}?tab=approvals`);
    await chair.getByTestId('approve').click();
    await chair.getByTestId('approval-status').getByText('Đã phê duyệt').waitFor();

    await sec.getByTestId('approval-status').getByText('Đã phê duyệt').waitFor();
    await sec.getByTestId('file-approval').click();
    const filing = sec.getByTestId('file-dialog');
    // The signer is required: the form says so in place, and nothing is filed.
    await filing.getByTestId('dialog-confirm').click();
    await filing.getByText('Hãy nhập họ tên và chức vụ người ký.').waitFor();
    await filing.getByLabel('Người ký (họ tên, chức vụ)').fill('Đỗ Minh Tuấn, Chủ tịch UBND tỉnh');
    await filing.getByLabel('Nơi nhận').fill('- Thường trực Tỉnh ủy;\n- Lưu: VT.');
    await screenshot(sec, 'filing-dialog');
    await filing.getByTestId('dialog-confirm').click();
    await sec.getByText(/Đã vào sổ: 01\/BB-UBND/).waitFor();
    await sec.goto(`${server.url}/register`);
    const row = sec.getByTestId('register-entry').first();
    await row.getByText('01/BB-UBND').waitFor();
    assert.match(await row.textContent(), /Biên bản Hội nghị giao ban/);
    await screenshot(sec, 'register');

    // The entry's page shows the signature checked on the server.
    await row.getByRole('link', { name: '01/BB-UBND' }).click();
    await sec.getByTestId('signature-status').getByText(/Hợp lệ/).waitFor();
    await sec.getByLabel('Người ký nhận').fill('Văn phòng Tỉnh ủy');
    await sec.getByRole('button', { name: 'Ghi chuyển văn bản' }).click();
    await sec.getByTestId('handovers').getByText(/Văn phòng Tỉnh ủy/).waitFor();
    await screenshot(sec, 'register-entry');
    // Its edXML package, read back on the incoming page.
    const pkg = await (await sec.request.get(`${server.url}${await sec.getByTestId('edxml-export').getAttribute('href')}`)).body();
    await sec.goto(`${server.url}/register/import`);
    await sec.getByTestId('edxml-file').setInputFiles({ name: '01-BB-UBND.edxml', mimeType: 'application/xml', buffer: pkg });
    await sec.getByTestId('incoming').getByText('01/BB-UBND').waitFor();
    await sec.getByTestId('edxml-file').setInputFiles({ name: 'hong.edxml', mimeType: 'application/xml', buffer: Buffer.from('<khong/>') });
    await sec.getByTestId('import-error').waitFor();
  });

  test('ending the meeting asks first, and going back leaves it in session', async () => {
    const chair = pages.chair;
    await chair.goto(meetingUrl);
    await chair.getByTestId('action-end').click();
    const dlg = chair.getByTestId('confirm-end');
    await dlg.getByText('Kết thúc cuộc họp?').waitFor();
    await screenshot(chair, 'confirm-end');
    await dlg.getByRole('button', { name: 'Quay lại' }).click();
    await dlg.waitFor({ state: 'detached' });
    assert.equal(await chair.getByTestId('meeting-status').textContent(), 'Đang họp');
    await chair.getByTestId('action-end').click();
    await chair.getByTestId('confirm-end').getByRole('button', { name: 'Kết thúc họp' }).click();
    await chair.getByTestId('meeting-status').getByText('Đã kết thúc').waitFor();
  });

  test('no page raised an error', () => {
    for (const b of browsers) assert.deepEqual(b.pageErrors, []);
  });
});
