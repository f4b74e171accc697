// The message keys: every key of ja.json and of each src/locales/<feature>.ja.json (ja is the source of
// truth). A test checks that every <feature>.ja.json is listed here, so t() knows all keys.
import type commonJa from './ja.json';
import type adminJa from './admin.ja.json';
import type annualReportsJa from './annual-reports.ja.json';
import type auditJa from './audit.ja.json';
import type exportsJa from './exports.ja.json';
import type givingJa from './giving.ja.json';
import type meJa from './me.ja.json';
import type newslettersJa from './newsletters.ja.json';
import type reconciliationJa from './reconciliation.ja.json';
import type reportsJa from './reports.ja.json';
import type settingsJa from './settings.ja.json';
import type supportersJa from './supporters.ja.json';

/** Every message key, as written in the Japanese catalogs. */
export type MessageKey =
  | keyof typeof commonJa
  | keyof typeof adminJa
  | keyof typeof annualReportsJa
  | keyof typeof auditJa
  | keyof typeof exportsJa
  | keyof typeof givingJa
  | keyof typeof meJa
  | keyof typeof newslettersJa
  | keyof typeof reconciliationJa
  | keyof typeof reportsJa
  | keyof typeof settingsJa
  | keyof typeof supportersJa;

// "me.subStatus." for me.subStatus.active: what a key built at run time may start with.
type Prefixes<K extends string> = K extends `${infer Head}.${infer Rest}` ? `${Head}.` | `${Head}.${Prefixes<Rest>}` : never;

/** The beginnings of message keys, up to a dot, for keys completed at run time. */
export type MessagePrefix = Prefixes<MessageKey>;
