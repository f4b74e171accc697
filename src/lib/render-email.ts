import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { EmailTemplate } from './email-templates';
import { t, type Locale } from './i18n';
import { viewHelpers } from './view-helpers';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

type Template = Handlebars.TemplateDelegate;

/**
 * Renders emails from views/emails (the templates of src/lib/email-templates.ts): `<name>.html.hbs` and `<name>.txt.hbs` inside the shared
 * layouts, subject from the message `email.<name>.subject`. Templates are compiled once.
 */
export function createEmailRenderer(viewsDir: string) {
  const html = Handlebars.create();
  const text = Handlebars.create();
  for (const hb of [html, text]) hb.registerHelper(viewHelpers as unknown as Handlebars.HelperDeclareSpec);
  const cache = new Map<string, Template>();

  function load(hb: typeof Handlebars, file: string, noEscape: boolean): Template {
    const key = `${noEscape}:${file}`;
    let template = cache.get(key);
    if (!template) {
      const source = fs.readFileSync(path.join(viewsDir, 'emails', file), 'utf8');
      template = hb.compile(source, { noEscape, strict: false });
      cache.set(key, template);
    }
    return template;
  }

  /** Renders one email for a recipient; `context` holds the template's data. */
  return function renderEmail(name: EmailTemplate, locale: Locale, context: Record<string, unknown>): RenderedEmail {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad email template name ${name}`);
    const data = { ...context, locale };
    const subject = t(locale, `email.${name}.subject`, context as Record<string, string>);
    const htmlBody = load(html, `${name}.html.hbs`, false)(data);
    const textBody = load(text, `${name}.txt.hbs`, true)(data);
    return {
      subject,
      html: load(html, 'layout.html.hbs', false)({ ...data, subject, body: new Handlebars.SafeString(htmlBody) }),
      text: load(text, 'layout.txt.hbs', true)({ ...data, subject, body: textBody }),
    };
  };
}

export type EmailRenderer = ReturnType<typeof createEmailRenderer>;
