import type { Lang } from './i18n';

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const zeroDecimal = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** An amount in the currency's smallest unit formatted for people (¥1,000 for 1000 jpy). */
export function formatMoney(amount: number, currency: string, lang: Lang): string {
  const major = zeroDecimal.has(currency.toLowerCase()) ? amount : amount / 100;
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-US', { style: 'currency', currency: currency.toUpperCase() }).format(major);
}

/** A Unix time as a date in Japan. */
export function formatDate(unix: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-US', { dateStyle: 'long', timeZone: 'Asia/Tokyo' }).format(new Date(unix * 1000));
}

const css = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans","Noto Sans JP","Noto Sans CJK JP",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1f36;background:#fff}
a{color:#635bff}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid rgba(99,91,255,.45);outline-offset:1px}
h1,h2,h3{line-height:1.3;margin:0 0 .75rem}
h1{font-size:1.25rem}h2{font-size:1.05rem}
.page{display:flex;flex-direction:column;min-height:100vh}
.summary{background:#f6f8fa;padding:1.25rem 1.25rem 1.5rem;border-bottom:1px solid #e3e8ee}
.pay{padding:1.5rem 1.25rem 2rem}
.inner{max-width:26rem;margin:0 auto}
.merchant{display:flex;align-items:center;gap:.5rem;flex-wrap:wrap;margin-bottom:1.25rem;font-weight:600}
.logo{display:inline-grid;place-items:center;width:1.75rem;height:1.75rem;border-radius:50%;background:#635bff;color:#fff;font-size:.85rem;flex:none}
.back{display:inline-flex;align-items:center;gap:.25rem;text-decoration:none;color:#4f566b;font-weight:500;margin-right:.25rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;background:#ffde92;color:#983705;font-size:.75rem;font-weight:600;letter-spacing:.02em}
.what{color:#4f566b;margin:0 0 .25rem}
.amount{font-size:2rem;font-weight:700;margin:0;letter-spacing:-.01em;overflow-wrap:anywhere}
.per{font-size:1rem;font-weight:500;color:#4f566b}
.lines{list-style:none;padding:0;margin:1rem 0 0;border-top:1px solid #e3e8ee}
.lines li,.total{display:flex;justify-content:space-between;gap:1rem;padding:.6rem 0;border-bottom:1px solid #e3e8ee}
.lines small{display:block;color:#697386}
.lines li>span:last-child,.total>span:last-child{white-space:nowrap;text-align:right}
.total{font-weight:600;border-bottom:0}
.field{margin-bottom:1rem}
label,legend{display:block;padding:0;font-size:.9rem;font-weight:500;color:#30313d;margin-bottom:.3rem}
input[type=text],input[type=email],input:not([type]),select{width:100%;font:inherit;padding:.65rem .75rem;border:1px solid #d5dbe1;border-radius:6px;background:#fff;color:inherit;box-shadow:0 1px 1px rgba(0,0,0,.03)}
input[aria-invalid=true]{border-color:#df1b41;box-shadow:0 0 0 1px #df1b41}
fieldset{border:0;padding:0;margin:0 0 1rem;min-width:0}
.row{display:grid;grid-template-columns:1fr 1fr;gap:.75rem}
.row .field{margin-bottom:0}
button,.button{display:block;width:100%;font:inherit;font-weight:600;padding:.8rem 1rem;border:0;border-radius:6px;background:#635bff;color:#fff;cursor:pointer;text-align:center;text-decoration:none}
button:hover,.button:hover{background:#5349e6}
.secondary{background:#fff;color:#30313d;border:1px solid #d5dbe1}
.secondary:hover{background:#f6f8fa}
.danger{background:#df1b41}.danger:hover{background:#c0123a}
.link{background:none;color:#635bff;padding:.25rem 0;width:auto;text-align:left;font-weight:500}
.link:hover{background:none;text-decoration:underline}
.alert{border-radius:6px;padding:.75rem 1rem;margin-bottom:1rem;font-size:.95rem}
.alert.error{background:#fff0f2;color:#a41c33;border:1px solid #f7c5ce}
.alert.ok{background:#edfaf3;color:#05603a;border:1px solid #b7ebce}
.alert.warn{background:#fff8e6;color:#7a4a00;border:1px solid #f5d48e}
.note{font-size:.85rem;color:#697386;margin:.75rem 0 0}
.hint{margin-top:1.5rem;padding:1rem;border:1px dashed #c1c9d2;border-radius:8px;font-size:.875rem;color:#4f566b}
.hint h2{font-size:.9rem;margin-bottom:.5rem}
.hint ul{margin:0 0 .5rem;padding:0;list-style:none}
.hint li{margin:.2rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;background:#eef1f5;padding:.1rem .35rem;border-radius:4px;white-space:nowrap}
.card-box{border:1px solid #e3e8ee;border-radius:8px;padding:1rem;margin-bottom:1rem}
.card-box h3{font-size:1rem;margin-bottom:.25rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem;margin:.75rem 0;font-size:.95rem}
dt{color:#697386}dd{margin:0;overflow-wrap:anywhere}
.choices{display:grid;gap:.5rem;margin-bottom:.75rem}
.choice{display:flex;gap:.6rem;align-items:center;border:1px solid #d5dbe1;border-radius:6px;padding:.6rem .75rem;font-weight:500;margin:0}
.choice input{width:1.1rem;height:1.1rem;margin:0;accent-color:#635bff}
section{margin-bottom:2rem}
.invoices{list-style:none;margin:0;padding:0}
.invoices li{display:flex;justify-content:space-between;gap:1rem;padding:.5rem 0;border-bottom:1px solid #e3e8ee;font-size:.95rem}
footer{margin-top:auto;padding:1rem 1.25rem;font-size:.8rem;color:#8792a2;text-align:center}
.actions{display:grid;gap:.5rem}
@media (min-width:900px){
 .page.split{flex-direction:row;flex-wrap:wrap;align-content:flex-start;background:linear-gradient(90deg,#f6f8fa calc(50% - 1px),#e3e8ee calc(50% - 1px),#e3e8ee 50%,#fff 50%)}
 .split .summary{flex:0 0 50%;background:none;border-bottom:0;padding:4rem 3rem;display:flex;justify-content:flex-end}
 .split .pay{flex:0 0 50%;padding:4rem 3rem;display:flex;justify-content:flex-start}
 .split .inner{margin:0;width:26rem}
 .split footer{flex:0 0 50%;margin-left:50%;text-align:left;padding:0 3rem 2rem}
 .single main{padding-top:3rem}
}
`;

/** A complete self-contained HTML page (no scripts, inline CSS). */
export function layout(opts: { lang: Lang; title: string; body: string; split?: boolean }): string {
  return `<!doctype html>
<html lang="${opts.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(opts.title)}</title>
<style>${css}</style>
</head>
<body>
<div class="page ${opts.split ? 'split' : 'single'}">
${opts.body}
<footer>Stripe emulator · ${opts.lang === 'ja' ? 'テスト環境のため実際の請求は発生しません' : 'test mode: no real charges are made'}</footer>
</div>
</body>
</html>`;
}
