// Words and formats printed on receipt PDFs, in Japanese (the source) and English.
import { formatYen, type Locale } from '../../lib/i18n';

export type ReceiptLocale = Locale;

export interface ReceiptWords {
  title: { single: string; annual: string };
  receiptNo: string;
  issuedOn: string;
  receivedFrom: string;
  person: string;
  organisation: string;
  amount(total: string): string;
  acknowledgement: string;
  period(year: number): string;
  reissue(replaced: string): string;
  columns: { date: string; description: string; method: string; amount: string };
  total: string;
  continued: string;
  issuer: string;
  page(current: number, count: number): string;
}

const words: Record<ReceiptLocale, ReceiptWords> = {
  ja: {
    title: { single: '領収書', annual: '合計領収書' },
    receiptNo: 'No.',
    issuedOn: '発行日',
    receivedFrom: '',
    person: '様',
    organisation: '御中',
    amount: (total) => `金 ${total} 也`,
    acknowledgement: '上記の金額を寄付金として正に受領いたしました。',
    period: (year) => `対象期間：${year}年1月1日〜${year}年12月31日`,
    reissue: (replaced) => `この領収書は No. ${replaced} を再発行したものです（No. ${replaced} は無効）`,
    columns: { date: '日付', description: '内容', method: '方法', amount: '金額' },
    total: '合計',
    continued: '（続き）',
    issuer: '発行者',
    page: (current, count) => `${current} / ${count}`,
  },
  en: {
    title: { single: 'Receipt', annual: 'Annual Combined Receipt' },
    receiptNo: 'Receipt No.',
    issuedOn: 'Issued',
    receivedFrom: 'Received from',
    person: '',
    organisation: '',
    amount: (total) => `Amount: ${total}`,
    acknowledgement: 'We gratefully acknowledge receipt of the above amount as a donation.',
    period: (year) => `Period: 1 January – 31 December ${year}`,
    reissue: (replaced) => `This receipt is a reissue of No. ${replaced}; No. ${replaced} is no longer valid.`,
    columns: { date: 'Date', description: 'Description', method: 'Method', amount: 'Amount' },
    total: 'Total',
    continued: '(continued)',
    issuer: 'Issued by',
    page: (current, count) => `Page ${current} of ${count}`,
  },
};

/** The printed words of a receipt in one locale. */
export function receiptWords(locale: ReceiptLocale): ReceiptWords {
  return words[locale];
}

// Formatters are built once: building an Intl formatter costs more than drawing a table row.
const longDate = {
  ja: new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric' }),
};
const shortDate = {
  ja: longDate.ja,
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'short', day: 'numeric' }),
};

/** An issue date as people read it in Japan: 2027年1月1日 / 1 January 2027. */
export function formatIssueDate(date: Date, locale: ReceiptLocale): string {
  return longDate[locale].format(date);
}

/** A gift's date in the table, in Asia/Tokyo: 2027年1月1日 / 1 Jan 2027. */
export function formatLineDate(date: Date, locale: ReceiptLocale): string {
  return shortDate[locale].format(date);
}

/** An integer amount of yen: ￥5,000 in Japanese, ¥5,000 in English. */
export function formatAmount(amount: number, locale: ReceiptLocale): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`A receipt amount must be an integer number of yen, got ${amount}`);
  return formatYen(amount, locale);
}
