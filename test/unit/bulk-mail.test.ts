import MailComposer from 'nodemailer/lib/mail-composer';
import { bulkTemplate, isPlainAddress, type BulkMessage } from '../../src/lib/bulk-mail';
import { parseMail } from '../../src/dev/mail-sink';

const FROM = 'WELgeeファミリー <family@welgee.example>';
const LINK = '%%LINK%%';
const URL_A = 'https://family.welgee.example/unsubscribe/0b7a5c1e-1111-4222-8333-444455556666.abcdefghijklmnopqrstuvwxyzABCDEF';
const URL_B = 'https://family.welgee.example/unsubscribe/9f0e1d2c-aaaa-4bbb-8ccc-ddddeeeeffff.ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu';

function message(html: string, text: string, subject = 'WELgeeファミリー通信 11月号: 新しい仲間が働き始めました'): BulkMessage {
  return { subject, html, text, headers: { 'List-Unsubscribe': `<${LINK}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }, placeholder: LINK };
}

/** Text parts travel with CRLF line breaks. */
const lf = (text: string) => text.replace(/\r\n/g, '\n');

function header(parsed: Awaited<ReturnType<typeof parseMail>>, key: string): string | undefined {
  return parsed.headers.find((h) => h.key === key.toLowerCase())?.value;
}

describe('a bulk message copy', () => {
  // Bodies around the 57-byte line length, multi-byte characters across a line's end, the link first,
  // last, twice or missing, and an empty text part.
  const bodies: [string, string][] = [];
  for (const n of [0, 1, 55, 56, 57, 58, 113, 114, 115, 171]) bodies.push([`${'a'.repeat(n)}<a href="${LINK}">配信停止</a>`, `${'あ'.repeat(n)}\n${LINK}\n`]);
  bodies.push([`${LINK} 先頭`, `${'😀'.repeat(40)}${LINK}${'é'.repeat(30)}${LINK}`]);
  bodies.push(['<p>リンクなし</p>'.repeat(20), '']);
  // Mostly Latin (quoted-printable): long lines, '=' signs, trailing spaces, a leading dot, accents.
  for (const n of [0, 70, 75, 76, 77, 150])
    bodies.push([
      `<p class="x">${'Thank you = merci. '.repeat(n / 5)}</p>\n<a href="${LINK}">Unsubscribe</a>`,
      `Dear WELgee Family,${' '.repeat(3)}\n.${'w'.repeat(n)}\nNguyễn café\n${LINK}`,
    ]);

  test.each(bodies.map((b, i) => [i, ...b]))('when body %i is sent to a recipient, then they read exactly the body with their own link in it', async (_i, html, text) => {
    const template = bulkTemplate(FROM, message(html as string, text as string));
    for (const [to, link] of [
      ['hanako@example.jp', URL_A],
      ['taro+news@example.com', URL_B],
    ] as const) {
      const copy = template.copy(to, link, new Date('2026-11-29T01:02:03Z'));
      const parsed = await parseMail(copy.raw);
      expect(lf(parsed.html ?? '')).toBe((html as string).split(LINK).join(link));
      expect(lf(parsed.text ?? '')).toBe((text as string).split(LINK).join(link));
      expect(parsed.to?.map((a) => a.address)).toEqual([to]);
      expect(parsed.subject).toBe('WELgeeファミリー通信 11月号: 新しい仲間が働き始めました');
      expect(parsed.from).toMatchObject({ name: 'WELgeeファミリー', address: 'family@welgee.example' });
      expect(header(parsed, 'List-Unsubscribe')).toBe(`<${link}>`);
      expect(header(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(header(parsed, 'Date')).toBe('Sun, 29 Nov 2026 01:02:03 +0000');
      expect(parsed.messageId).toBe(copy.messageId);
      expect(copy.to).toBe(to);
    }
  });

  test.each([
    ['Japanese', `<p>${'難民としての経験を持つ若者たち'.repeat(50)}</p>\n<a href="${LINK}">x</a>`, `本文\n${LINK}`],
    ['English', `<p>${'People with refugee backgrounds = new colleagues. '.repeat(50)}</p>\n<a href="${LINK}">x</a>`, `Body\n${'word '.repeat(40)}\n${LINK}`],
  ])('when %s copies are made, then every line ends in CRLF, no body line passes 76 characters and each copy has its own Message-ID', (_language, html, text) => {
    const template = bulkTemplate(FROM, message(html, text));
    const a = template.copy('a@example.jp', URL_A);
    const b = template.copy('b@example.jp', URL_B);
    const raw = a.raw.toString('latin1');
    expect(raw).not.toMatch(/[^\r]\n/);
    expect(raw).not.toMatch(/\r[^\n]/);
    const lines = raw.split('\r\n');
    const body = lines.slice(lines.indexOf(''));
    expect(Math.max(...body.map((l) => l.length))).toBeLessThanOrEqual(76);
    expect(lines.filter((l) => l.startsWith('List-Unsubscribe: ')).every((l) => l.length < 998)).toBe(true);
    expect(a.messageId).toMatch(/^<[0-9a-f-]{36}@welgee\.example>$/);
    expect(a.messageId).not.toBe(b.messageId);
  });

  test.each([
    [
      'Japanese',
      `<h1>今月のできごと</h1><p>${'新しく3名の方が仕事に就きました。'.repeat(30)}</p><p><a href="${LINK}">配信停止</a></p>`,
      `今月のできごと\n${'新しく3名の方が仕事に就きました。'.repeat(30)}\n配信停止: ${LINK}\n`,
      'base64',
    ],
    [
      'English',
      `<h1>This month</h1><p>${'Three people started jobs that use their experience. '.repeat(30)}</p><p><a href="${LINK}">Unsubscribe</a></p>`,
      `This month\n${'Three people started jobs = new careers. '.repeat(30)}\nUnsubscribe: ${LINK}\n`,
      'quoted-printable',
    ],
  ])(
    'when the same %s issue is built by nodemailer for one recipient, then a reader sees the same message, in the same transfer encoding',
    async (_language, html, text, encoding) => {
      const copy = bulkTemplate(FROM, message(html, text)).copy('hanako@example.jp', URL_A);
      expect(copy.raw.toString('latin1').match(/Content-Transfer-Encoding: (\S+)/g)).toEqual([`Content-Transfer-Encoding: ${encoding}`, `Content-Transfer-Encoding: ${encoding}`]);
      const ours = await parseMail(copy.raw);
      const built = await new MailComposer({
        from: FROM,
        to: 'hanako@example.jp',
        subject: 'WELgeeファミリー通信 11月号: 新しい仲間が働き始めました',
        html: html.split(LINK).join(URL_A),
        text: text.split(LINK).join(URL_A),
        headers: { 'List-Unsubscribe': `<${URL_A}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      })
        .compile()
        .build();
      const theirs = await parseMail(built);
      for (const key of ['subject', 'from', 'to'] as const) expect(ours[key]).toEqual(theirs[key]);
      // nodemailer's quoted-printable part reads back with one line break more at its end (the one before
      // the boundary); ours ends in a soft line break and reads back exactly.
      for (const key of ['html', 'text'] as const) expect(lf(ours[key] ?? '')).toBe(lf(theirs[key] ?? '').replace(encoding === 'quoted-printable' ? /\n$/ : /$^/, ''));
      expect(lf(ours.html ?? '')).toBe(html.split(LINK).join(URL_A));
      for (const key of ['List-Unsubscribe', 'List-Unsubscribe-Post', 'MIME-Version']) expect(header(ours, key)).toBe(header(theirs, key));
    },
  );

  test('when the subject or a shared header carries line breaks, then they cannot start a header of their own', async () => {
    const template = bulkTemplate(FROM, {
      ...message('<p>x</p>', 'x'),
      subject: 'Hello\r\nBcc: victim@example.com',
      headers: { 'X-Note': 'a\r\nBcc: victim@example.com', 'List-Unsubscribe': `<${LINK}>` },
    });
    const raw = template.copy('a@example.jp', URL_A).raw.toString('latin1');
    expect(raw).not.toMatch(/^Bcc:/im);
  });

  test.each([
    ['an address with a display name', 'Hanako <hanako@example.jp>'],
    ['an address with a line break', 'a@example.jp\r\nBcc: victim@example.com'],
    ['an internationalised address', 'はなこ@example.jp'],
    ['two addresses', 'a@example.jp,b@example.jp'],
    ['an empty address', ''],
  ])('when the recipient is %s, then no copy is made (the mailer builds that message whole)', (_what, to) => {
    const template = bulkTemplate(FROM, message('<p>x</p>', 'x'));
    expect(isPlainAddress(to)).toBe(false);
    expect(() => template.copy(to, URL_A)).toThrow(/plain address/);
  });

  test.each([
    ['a line break', `${URL_A}\r\nBcc: victim@example.com`],
    ['non-ASCII text', `${URL_A}/配信停止`],
    ['the placeholder itself', `${URL_A}${LINK}`],
  ])('when the link carries %s, then no copy is made', (_what, link) => {
    const template = bulkTemplate(FROM, message(`<a href="${LINK}">x</a>`, LINK));
    expect(() => template.copy('a@example.jp', link)).toThrow(/link/);
  });

  test('when a header that carries the link is not plain ASCII, or the placeholder is too short, then the template is refused', () => {
    expect(() => bulkTemplate(FROM, { ...message('x', 'x'), headers: { 'X-Link': `配信停止 <${LINK}>` } })).toThrow(/header X-Link/);
    expect(() => bulkTemplate(FROM, { ...message('x', 'x'), placeholder: '%%' })).toThrow(/placeholder/);
    expect(() => bulkTemplate('no address here', message('x', 'x'))).toThrow(/address/);
  });

  test.each(['hanako@example.jp', 'taro.yamada+family@mail.example.co.jp', "o'neil@example.com"])('when the address is %s, then it is plain', (to) => {
    expect(isPlainAddress(to)).toBe(true);
  });
});
