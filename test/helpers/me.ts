import { parseMail } from '../../src/dev/mail-sink';
import { eventually, type TestApp } from './app';
import { Visitor } from './http';

/** Asks for a sign-in link for `email` and returns the link from the email that arrives. */
export async function requestLink(app: TestApp, email: string, visitor = Visitor.of(app)): Promise<{ link: string; visitor: Visitor }> {
  const before = app.mail.messages.length;
  const token = await visitor.csrf('/me');
  const { res } = await visitor.post('/me/login', { email, _csrf: token });
  if (res.status !== 200) throw new Error(`POST /me/login answered ${res.status}`);
  const link = await eventually(async () => {
    for (const m of app.mail.messages.slice(before)) {
      if (!m.envelopeTo.some((a) => a.toLowerCase() === email.trim().toLowerCase())) continue;
      const text = (await parseMail(m.raw)).text ?? '';
      const found = /https?:\/\/\S+\/me\/link\/[\w-]{43}/.exec(text)?.[0];
      if (found) return found;
    }
    return undefined;
  }, 20_000);
  return { link, visitor };
}

/** Opens a sign-in link as a browser would: the page, then its button. Returns the POST's answer. */
export async function openLink(app: TestApp, link: string, visitor: Visitor) {
  const path = new URL(link).pathname;
  const page = await visitor.get(path);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (!csrf) return { page, post: undefined };
  return { page, post: await visitor.post(path, { _csrf: csrf }) };
}

/** A visitor signed in to My page as the supporter with this email. */
export async function signInSupporter(app: TestApp, email: string): Promise<Visitor> {
  const { link, visitor } = await requestLink(app, email);
  const { post } = await openLink(app, link, visitor);
  if (post?.res.status !== 303 || post.location !== '/me') throw new Error(`sign-in link answered ${post?.res.status}`);
  return visitor;
}
