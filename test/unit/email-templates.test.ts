import fs from 'node:fs';
import path from 'node:path';
import { defaultSettings } from '../../config/organisation';
import { emailEnrichers, newsletterComposers } from '../../src/emails';
import type { AppContext } from '../../src/context';
import type { QueueEmailInput } from '../../src/features/emails';
import { catalog, type Locale } from '../../src/lib/i18n';
import { emailTemplates, isEmailTemplate, parseEmailParams, type EmailTemplate } from '../../src/lib/email-templates';
import { createEmailRenderer } from '../../src/lib/render-email';

const viewsDir = path.join(__dirname, '../../views');
const names = Object.keys(emailTemplates) as EmailTemplate[];

describe('the email list', () => {
  const renderEmail = createEmailRenderer(viewsDir);

  test('when a template is registered, then both of its views exist, and every view in views/emails is registered', () => {
    const files = fs.readdirSync(path.join(viewsDir, 'emails')).filter((f) => !f.startsWith('layout.'));
    for (const name of names) expect(files).toEqual(expect.arrayContaining([`${name}.html.hbs`, `${name}.txt.hbs`]));
    for (const file of files) expect(isEmailTemplate(file.replace(/\.(html|txt)\.hbs$/, ''))).toBe(true);
  });

  test('when the names are listed, then every name already stored in emails rows is still there', () => {
    const stored = [
      'receipt',
      'welcome',
      'cancelled',
      'already-monthly',
      'payment-failed',
      'login-link',
      'newsletter-confirm',
      'newsletter-reminder',
      'annual-report-draft',
      'reconciliation-mismatch',
      'test-message',
    ];
    for (const name of stored) expect(emailTemplates[name as EmailTemplate]?.sent).toBe('queued');
  });

  test.each(names.flatMap((name) => (['ja', 'en'] as Locale[]).map((locale) => [name, locale] as const)))(
    'when %s is rendered in %s with its example, then the subject and both bodies are whole',
    (name, locale) => {
      const template = emailTemplates[name];
      const example = template.example as Record<string, unknown>;
      template.params.parse(example);
      template.data?.parse(example);
      const subjectKey = `email.${name}.subject`;
      expect(catalog(locale)[subjectKey]).toBeDefined();
      const rendered = renderEmail(name, locale, {
        ...example,
        organisation: defaultSettings.organisation,
        emailSettings: defaultSettings.email,
        familyPage: defaultSettings.familyPage,
        publicUrl: 'https://family.welgee.example',
      });
      expect(rendered.subject.trim()).not.toBe('');
      for (const part of [rendered.subject, rendered.text]) {
        // A message key left as it is, or a {placeholder} its parameters did not fill.
        expect(part).not.toMatch(/\bemail\.[a-z-]+\.[A-Za-z]+/);
        expect(part).not.toMatch(/\{\w+\}/);
      }
      expect(rendered.html).toContain(`lang="${locale}"`);
    },
  );

  test('when an email is queued, then its params are checked against its template', () => {
    expect(() => parseEmailParams('receipt', {})).toThrow();
    expect(parseEmailParams('receipt', { donationId: 'd1' })).toEqual({ donationId: 'd1' });
    expect(parseEmailParams('test-message', undefined)).toEqual({});
  });

  test('when the list is wired, then every template that loads data has its enricher and every kind of send its composer', () => {
    const ctx = { db: {}, config: { publicUrl: 'https://family.welgee.example' }, sessionSecret: 's'.repeat(40), renderEmail } as unknown as AppContext;
    const enriched = names.filter((n) => emailTemplates[n].sent === 'queued' && emailTemplates[n].data !== undefined);
    expect(Object.keys(emailEnrichers(ctx)).sort()).toEqual(enriched.sort());
    expect(Object.keys(newsletterComposers(ctx))).toEqual(['annual_report']);
  });

  test('when a template name is misspelt or its params are wrong, then it does not compile', () => {
    const typed: QueueEmailInput[] = [
      { template: 'receipt', to: 'a@example.jp', locale: 'ja', params: { donationId: 'd1' } },
      { template: 'test-message', to: 'a@example.jp', locale: 'ja' },
      // @ts-expect-error a misspelt template name
      { template: 'reciept', to: 'a@example.jp', locale: 'ja', params: { donationId: 'd1' } },
      // @ts-expect-error a receipt needs its donation id
      { template: 'receipt', to: 'a@example.jp', locale: 'ja', params: {} },
      // @ts-expect-error a newsletter is sent by its send, not queued one by one
      { template: 'newsletter', to: 'a@example.jp', locale: 'ja' },
    ];
    expect(typed).toHaveLength(5);
  });
});
