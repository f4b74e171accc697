import iconv from 'iconv-lite';
import { decodeStatement, fingerprintLines, parseCsv, readStatement } from '../../src/features/giving/bank-csv';
import { checkGiftDay, isBankPayerName, normalizePayer, parseDay, parseYen, startOfTokyoDay } from '../../src/features/giving/gift-values';

const TODAY = '2026-11-20';

describe('RFC 4180 records', () => {
  test('when fields are quoted, then commas, doubled quotes and newlines stay inside the field', () => {
    const { records, problems } = parseCsv('a,"b,c","say ""hi""","line1\r\nline2"\r\nx,y,z,w');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { lineNo: 1, fields: ['a', 'b,c', 'say "hi"', 'line1\r\nline2'] },
      { lineNo: 3, fields: ['x', 'y', 'z', 'w'] },
    ]);
  });

  test('when lines end with LF, CRLF or CR and blank lines are mixed in, then each record keeps its file line number', () => {
    const { records } = parseCsv('a\n\nb\r\nc\rd\n');
    expect(records.map((r) => [r.lineNo, r.fields[0]])).toEqual([
      [1, 'a'],
      [3, 'b'],
      [4, 'c'],
      [5, 'd'],
    ]);
  });

  test('when a quote is left open or text follows a closing quote, then that line is a problem', () => {
    expect(parseCsv('a,b\n"x"y,z\nc,d').problems).toEqual([{ lineNo: 2, problem: 'quote' }]);
    expect(parseCsv('a,b\nc,"open\nstill open').problems).toEqual([{ lineNo: 2, problem: 'quote' }]);
  });

  test('when quoted fields hold CRLF or CR and blank lines follow, then later records and problems keep their file line numbers', () => {
    const { records, problems } = parseCsv('ａ,"い\r\nう",b\n\nc,"d\re"\nf,g\n"h"i,j');
    expect(records.map((r) => [r.lineNo, r.fields[0]])).toEqual([
      [1, 'ａ'],
      [4, 'c'],
      [6, 'f'],
    ]);
    expect(problems).toEqual([{ lineNo: 7, problem: 'quote' }]);
  });

  test('when a quote sits inside an unquoted field, then that line is a problem and the next lines are still read', () => {
    const { records, problems } = parseCsv('a,b\nc,d"e\nf,g');
    expect(records.map((r) => [r.lineNo, r.fields])).toEqual([
      [1, ['a', 'b']],
      [3, ['f', 'g']],
    ]);
    expect(problems).toEqual([{ lineNo: 2, problem: 'quote' }]);
  });

  test('when empty fields come last, then they are kept', () => {
    expect(parseCsv('a,,\n').records[0]!.fields).toEqual(['a', '', '']);
  });
});

describe('statement encoding', () => {
  test('when the file is UTF-8 with a BOM, UTF-8 without, or CP932, then it is decoded to the same text', () => {
    const text = '日付,金額,振込依頼人名\nﾔﾏﾀﾞ';
    expect(decodeStatement(Buffer.from('\uFEFF' + text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeStatement(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeStatement(iconv.encode(text, 'cp932'))).toEqual({ text, encoding: 'cp932' });
  });

  test('when the file holds NUL bytes, then it is not text', () => {
    expect(decodeStatement(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))).toBeUndefined();
  });
});

describe('reading a statement', () => {
  test('when headers are Japanese bank headers, then date, amount and payer are found and other columns ignored', () => {
    const csv = '取引日,摘要,お預り金額,お引出金額,残高\n2026/11/05,ﾔﾏﾀﾞ ﾊﾅｺ,"5,000",,105000\n2026/11/06,ﾃｽｳﾘﾖｳ,,330,104670\n';
    const result = readStatement(Buffer.from(csv), TODAY);
    expect(result).toEqual({ ok: true, encoding: 'utf-8', ignored: 1, lines: [{ lineNo: 2, receivedOn: '2026-11-05', amount: 5000, payerName: 'ヤマダ ハナコ' }] });
  });

  test('when both 振込依頼人名 and 摘要 exist, then the payer comes from 振込依頼人名', () => {
    const csv = '日付,金額,摘要,振込依頼人名\n2026-11-05,1000,振込,ｽｽﾞｷ ｲﾁﾛｳ\n';
    const result = readStatement(Buffer.from(csv), TODAY);
    expect(result.ok && result.lines[0]!.payerName).toBe('スズキ イチロウ');
  });

  test('when a type column says 出金 or an amount is negative or zero, then the line is skipped, not an error', () => {
    const csv = '日付,入出金区分,金額,依頼人名\n2026/11/01,出金,1000,ﾃﾞﾝｷ\n2026/11/02,入金,-500,ﾓﾄﾞｼ\n2026/11/03,入金,0,ｾﾞﾛ\n2026/11/04,入金,△200,ﾏｲﾅｽ\n2026/11/05,入金,2000,ｻﾄｳ\n';
    const result = readStatement(Buffer.from(csv), TODAY);
    expect(result.ok && { ignored: result.ignored, lines: result.lines.length }).toEqual({ ignored: 4, lines: 1 });
  });

  test('when lines are malformed, then every one is reported and no line is returned', () => {
    const csv = '日付,金額,振込依頼人名\n2026/11/31,1000,A\n2026/11/05,abc,B\n2026/11/05,1000\n2026/11/05,99999999,C\n2026/11/05,1000,\n2015/12/31,1000,D\n';
    expect(readStatement(Buffer.from(csv), TODAY)).toEqual({
      ok: false,
      reason: 'lines',
      problems: [
        { lineNo: 2, problem: 'date' },
        { lineNo: 3, problem: 'amount' },
        { lineNo: 4, problem: 'columns' },
        { lineNo: 5, problem: 'amountRange' },
        { lineNo: 6, problem: 'payer' },
        { lineNo: 7, problem: 'dateOld' },
      ],
    });
  });

  test('when no header row is found within the first lines, or no deposit is left, then the file is refused as such', () => {
    expect(readStatement(Buffer.from('a,b,c\n1,2,3\n'), TODAY)).toMatchObject({ ok: false, reason: 'noHeader' });
    expect(readStatement(Buffer.from('日付,金額,振込依頼人名\n'), TODAY)).toMatchObject({ ok: false, reason: 'noLines' });
  });

  test('when the same transfer appears twice on a day, then the fingerprints count the occurrence', () => {
    const lines = fingerprintLines([
      { receivedOn: '2026-11-05', amount: 1000, payerName: 'ヤマダ ハナコ' },
      { receivedOn: '2026-11-05', amount: 1000, payerName: 'ヤマダ  ハナコ' },
      { receivedOn: '2026-11-05', amount: 2000, payerName: 'ヤマダ ハナコ' },
    ]);
    expect(lines.map((l) => l.fingerprint)).toEqual(['2026-11-05|1000|ヤマダハナコ|1', '2026-11-05|1000|ヤマダハナコ|2', '2026-11-05|2000|ヤマダハナコ|1']);
  });
});

describe('gift values', () => {
  test('when yen are typed with full-width digits, commas or a yen sign, then they are read; decimals and signs are not', () => {
    expect(parseYen('１０，０００')).toBe(10000);
    expect(parseYen('¥5,000')).toBe(5000);
    expect(parseYen('3000円')).toBe(3000);
    expect(parseYen('1000.00')).toBe(1000);
    expect(parseYen('1000.5')).toBeUndefined();
    expect(parseYen('-1000')).toBeUndefined();
    expect(parseYen('1e3')).toBeUndefined();
    expect(parseYen('')).toBeUndefined();
  });

  test('when a day is written the ways banks write it, then it becomes YYYY-MM-DD; impossible days are refused', () => {
    expect(parseDay('2026/11/05')).toBe('2026-11-05');
    expect(parseDay('2026-1-5')).toBe('2026-01-05');
    expect(parseDay('20261105')).toBe('2026-11-05');
    expect(parseDay('２０２６年１１月５日')).toBe('2026-11-05');
    expect(parseDay('R8.11.05')).toBe('2026-11-05');
    expect(parseDay('R08/11/05')).toBe('2026-11-05');
    expect(parseDay('令和8年11月5日')).toBe('2026-11-05');
    expect(parseDay('令和元年5月1日')).toBe('2019-05-01');
    expect(parseDay('H31.04.30')).toBe('2019-04-30');
    expect(parseDay('2026-02-29')).toBeUndefined();
    expect(parseDay('11/05/2026')).toBeUndefined();
  });

  test('when a day is after today in Japan or more than ten years back, then it is refused', () => {
    expect(checkGiftDay('2026-11-21', TODAY)).toBe('future');
    expect(checkGiftDay('2026-11-20', TODAY)).toBeUndefined();
    expect(checkGiftDay('2016-01-01', TODAY)).toBeUndefined();
    expect(checkGiftDay('2015-12-31', TODAY)).toBe('tooOld');
    expect(startOfTokyoDay('2026-01-01').toISOString()).toBe('2025-12-31T15:00:00.000Z');
  });

  test('when a payer name is half-width or hiragana, then it becomes full-width katakana; other scripts are not bank names', () => {
    expect(normalizePayer('ﾔﾏﾀﾞ ﾊﾅｺ')).toBe('ヤマダ ハナコ');
    expect(normalizePayer('ｶ) ｳｴﾙｼﾞｰ')).toBe('カ) ウエルジー');
    expect(isBankPayerName(normalizePayer('ｶ) ｳｴﾙｼﾞｰ'))).toBe(true);
    expect(isBankPayerName('ABC ｼﾖｳｼﾞ'.normalize('NFKC'))).toBe(true);
    expect(isBankPayerName('山田')).toBe(false);
    expect(isBankPayerName('<b>')).toBe(false);
  });
});
