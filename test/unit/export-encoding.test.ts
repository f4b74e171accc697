import iconv from 'iconv-lite';
import { csvCell, csvLine, csvText } from '../../src/lib/csv';
import { ExportEncoder } from '../../src/features/exports/encoding';
import { cutToBytes } from '../../src/features/exports/formats/yayoi';

describe('CSV cells', () => {
  test.each([
    ['=1+1', "'=1+1"],
    ['+81 90', "'+81 90"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['山田', '山田'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['', ''],
  ])('when a text cell is %j, then it is written %j', (input, output) => {
    expect(csvText(input)).toBe(output);
  });

  test('when a cell is a number, then it stays a number even when negative', () => {
    expect(csvCell(-1000)).toBe('-1000');
    expect(csvLine(['=x', -1, null, undefined, 0])).toBe("'=x,-1,,,0");
  });
});

describe('the export encoder', () => {
  test('when UTF-8 is chosen, then the file starts with a BOM and nothing is replaced', () => {
    const enc = new ExportEncoder('utf8');
    expect([...enc.preamble()]).toEqual([0xef, 0xbb, 0xbf]);
    expect(enc.fit('𠮷野家 🙂', () => 'x')).toBe('𠮷野家 🙂');
    expect(enc.report()).toEqual([]);
  });

  test('when CP932 cannot hold a character, then accents fall back to their letter, look-alikes are used, others become ? and each is reported once with a count', () => {
    const enc = new ExportEncoder('cp932');
    const fitted = enc.fit('Nguyễn 〜 𠮷𠮷 🙂 髙橋 ①', () => 'row 1');
    expect(fitted).toBe('Nguyen ～ ?? ? 髙橋 ①');
    expect(iconv.decode(enc.encode(fitted), 'cp932')).toBe(fitted);
    enc.fit('𠮷', () => 'row 2');
    const report = enc.report();
    expect(report[0]).toEqual({ char: '𠮷', codePoint: 'U+20BB7', replacement: '?', count: 3, example: 'row 1' });
    expect(report.map((r) => r.char).sort()).toEqual(['〜', 'ễ', '𠮷', '🙂'].sort());
    expect(enc.preamble().length).toBe(0);
  });

  test('when CP932 writes a cell as = + - @ or a comma (﹦ ﹢ ﹣ ﹫ ﹐), then the line guards and quotes what the cell becomes', () => {
    const enc = new ExportEncoder('cp932');
    expect(enc.line(['﹦HYPERLINK("x")', '﹢1', '﹣1', '﹫a', 'a﹐b', -1], () => 'row')).toBe(`"'=HYPERLINK(""x"")",'+1,'-1,'@a,"a,b",-1`);
    expect(new ExportEncoder('utf8').line(['﹦1', '=1'], () => 'row')).toBe("﹦1,'=1");
  });

  test('when a Yayoi memo is long, then it is cut to 64 CP932 bytes without splitting a character', () => {
    expect(cutToBytes('寄付'.repeat(40), 64)).toBe('寄付'.repeat(16));
    expect(cutToBytes(`a${'寄'.repeat(40)}`, 64)).toHaveLength(32);
    expect(cutToBytes('ｱｲｳ', 2)).toBe('ｱｲ');
  });
});
