import iconv from 'iconv-lite';

/** Reads CSV text back into cells (RFC 4180: quotes, doubled quotes, CRLF, line breaks inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row);
  return rows;
}

/** The text of an exported file: UTF-8 must start with a BOM, CP932 is decoded. */
export function decodeExport(bytes: Buffer, encoding: 'utf8' | 'cp932'): string {
  if (encoding === 'utf8') {
    if (bytes[0] !== 0xef || bytes[1] !== 0xbb || bytes[2] !== 0xbf) throw new Error('UTF-8 export without BOM');
    return bytes.subarray(3).toString('utf8');
  }
  return iconv.decode(bytes, 'cp932');
}
