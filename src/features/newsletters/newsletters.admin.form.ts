import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { t, type Locale } from '../../lib/i18n';
import { formErrors, type FormErrorsView, type FormFields } from '../../web/form-errors';
import { MAX_BODY, MAX_SUBJECT } from './newsletters.schemas';

// The newsletter console's forms: reading the multipart compose form, the fields in page order and their
// messages, and the small readers of what a form or a redirect sent back.

// The compose form is multipart: a long Japanese issue outgrows the 64 kB urlencoded limit (its CSRF
// token travels in the query string, which the CSRF check accepts for multipart requests only).
const composeParser = multer({ limits: { fieldSize: MAX_BODY * 4 + 1024, fields: 30, parts: 30, files: 0 }, defParamCharset: 'utf8' }).none();

/** Reads a multipart compose form after the permission check; its errors are the visitor's (413/400), never a 500. */
export function receiveForm(req: Request, res: Response, next: NextFunction) {
  composeParser(req, res, (err: unknown) => {
    if (!err) return next();
    const tooLarge = err instanceof multer.MulterError && err.code === 'LIMIT_FIELD_VALUE';
    res.status(tooLarge ? 413 : 400).render('errors/error', {
      layout: 'admin',
      status: tooLarge ? 413 : 400,
      title: t(req.locale, tooLarge ? 'newsletters.errors.tooLarge' : 'newsletters.errors.badForm'),
      message: '',
    });
  });
}

/** The compose form's fields, then the issue page's test and schedule fields, in page order. */
const newsletterFields: FormFields = [
  ['subject_ja', 'newsletters.field.subject'],
  ['body_ja', 'newsletters.field.body'],
  ['subject_en', 'newsletters.field.subjectEn'],
  ['body_en', 'newsletters.field.bodyEn'],
  ['issue_month', 'newsletters.field.issueMonth'],
  ['segment', 'newsletters.field.audience'],
  ['plan', 'newsletters.audience.choosePlan'],
  ['locale', 'newsletters.audience.chooseLanguage'],
  ['tag', 'newsletters.audience.chooseTag'],
  ['lang', 'newsletters.test.language'],
  ['send_on', 'newsletters.send.day'],
  ['send_at', 'newsletters.send.time'],
  ['confirm', 'newsletters.confirm.title'],
];

/** Message keys → messages naming their fields, in page order; a page-wide problem comes first. */
export function translate(locale: Locale, errors: Record<string, string>, problem?: string): FormErrorsView {
  const max = (field: string) => ({ max: field.startsWith('subject') ? MAX_SUBJECT : MAX_BODY.toLocaleString('ja-JP') });
  return formErrors(locale, problem ? { form: problem, ...errors } : errors, newsletterFields, max);
}

/** The languages a test went out in, from the redirect's query: 「日本語・English」. */
export function testedLanguages(locale: Locale, value: unknown): string {
  const sent = typeof value === 'string' ? value.split(',').filter((l) => l === 'ja' || l === 'en') : [];
  return sent.map((l) => t(locale, `newsletters.language.${l}`)).join(locale === 'ja' ? '・' : ', ');
}

/** The posted form as strings, to fill the form again. */
export function echo(body: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) if (typeof v === 'string' && k !== '_csrf') values[k] = v;
  return values;
}
