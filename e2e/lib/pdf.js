// A small valid PDF with known text on each page, for upload and viewer tests.
export function samplePdf(pages) {
  const parts = ['%PDF-1.4\n'];
  const offsets = [];
  let len = parts[0].length;
  const obj = (body) => {
    offsets.push(len);
    const s = `${offsets.length} 0 obj\n${body}\nendobj\n`;
    parts.push(s);
    len += Buffer.byteLength(s, 'latin1');
  };
  obj('<< /Type /Catalog /Pages 2 0 R >>');
  obj(`<< /Type /Pages /Kids [${pages.map((_, i) => `${4 + 2 * i} 0 R`).join(' ')}] /Count ${pages.length} >>`);
  obj('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  pages.forEach((text, i) => {
    const stream = `BT /F1 24 Tf 72 720 Td (${text.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj ET`;
    obj(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`);
    obj(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  });
  const xref = len;
  let tail = `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) tail += `${String(o).padStart(10, '0')} 00000 n \n`;
  tail += `trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  parts.push(tail);
  return Buffer.from(parts.join(''), 'latin1');
}
