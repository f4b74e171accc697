// The checks of `npm run image:test` against the running web and worker containers: health, a join
// through the Stripe emulator's hosted checkout, and the welcome and receipt emails (with the PDF)
// arriving at the host's SMTP sink. Prints one line per check; exits 1 at the first failure.
//
// Usage: tsx scripts/image-test-smoke.ts <web url> <mail dir>
import fs from 'node:fs';
import path from 'node:path';
import { parseMail } from '../src/dev/mail-sink';
import { Visitor } from '../test/helpers/http';

function check(condition: unknown, what: string, detail = ''): asserts condition {
  if (!condition) throw new Error(`FAILED: ${what}${detail ? `\n${detail}` : ''}`);
  process.stdout.write(`ok   ${what}\n`);
}

async function poll<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

/** The parsed messages the sink has written to its folder for one address. */
async function mailTo(dir: string, address: string) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.eml'));
  const parsed = await Promise.all(files.map(async (f) => parseMail(fs.readFileSync(path.join(dir, f)))));
  return parsed.filter((m) => m.to?.some((t) => t.address === address));
}

async function main(args: string[]) {
  const [webUrl, mailDir] = args;
  if (!webUrl || !mailDir) throw new Error('usage: image-test-smoke <web url> <mail dir>');

  const health = await poll(async () => {
    const res = await fetch(`${webUrl}/healthz`);
    return res.status === 200 ? ((await res.json()) as unknown) : undefined;
  }, 60_000);
  check(JSON.stringify(health) === JSON.stringify({ status: 'ok', db: 'ok', redis: 'ok' }), 'GET /healthz is 200 {"status":"ok","db":"ok","redis":"ok"}', JSON.stringify(health));
  check((await fetch(`${webUrl}/dev/mail`)).status === 404, 'GET /dev/mail is 404 in production');

  // Join as a person would: the form's CSRF token, then the emulator's hosted checkout page.
  const visitor = new Visitor(webUrl);
  const email = `image-test-${Date.now()}@example.jp`;
  const token = await visitor.csrf('/family');
  const join = await visitor.post('/family/join', {
    _csrf: token,
    plan: '1000',
    email,
    family_name: '山田',
    given_name: '花子',
    family_name_kana: 'ヤマダ',
    given_name_kana: 'ハナコ',
    locale: 'ja',
    privacy: 'on',
  });
  const checkoutUrl = join.location ?? '';
  check(
    join.res.status === 303 && /\/checkout\/cs_\w+$/.test(checkoutUrl),
    'POST /family/join answers 303 to the checkout page',
    `${join.res.status} ${checkoutUrl} ${join.html.slice(0, 300)}`,
  );
  const page = await fetch(checkoutUrl);
  check(page.status === 200, 'the checkout page opens');
  const paid = await fetch(checkoutUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, card_number: '4242 4242 4242 4242', card_expiry: '12 / 34', card_cvc: '123', cardholder_name: 'HANAKO YAMADA' }),
    redirect: 'manual',
  });
  const successUrl = paid.headers.get('location') ?? '';
  check(paid.status === 303 && successUrl.startsWith(webUrl), 'paying with 4242 4242 4242 4242 returns to the app', `${paid.status} ${successUrl}`);
  const thanks = await visitor.get(successUrl.slice(webUrl.length));
  check(thanks.res.status === 200, 'the thanks page opens');

  // Webhook → web → outbox → worker → SMTP: the welcome email and the receipt with its PDF.
  const mails = await poll(async () => {
    const received = await mailTo(mailDir, email);
    const welcome = received.find((m) => m.subject?.includes('ようこそ'));
    const receipt = received.find((m) => m.subject?.includes('領収書'));
    return welcome && receipt ? { welcome, receipt } : undefined;
  }, 60_000);
  check(mails, 'the welcome and receipt emails reach the SMTP sink', `received: ${(await mailTo(mailDir, email)).map((m) => m.subject).join(', ') || 'nothing'}`);
  const pdf = mails.receipt.attachments.find((a) => a.mimeType === 'application/pdf');
  const bytes = pdf ? Buffer.from(pdf.content as ArrayBuffer) : Buffer.alloc(0);
  check(bytes.subarray(0, 5).toString() === '%PDF-' && bytes.includes('NotoSansJP'), 'the receipt carries a PDF with Noto Sans JP embedded', `${bytes.length} bytes`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
