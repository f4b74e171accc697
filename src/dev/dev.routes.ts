import fs from 'node:fs';
import { Router } from 'express';
import { listStoredMail, parseMail } from './mail-sink';

/** /dev/mail: the local mail viewer for the embedded SMTP sink (never mounted in production). */
export function devMailRoutes(dir: string): Router {
  const router = Router();

  async function load(id: string) {
    const entry = listStoredMail(dir).find((m) => m.id === id);
    if (!entry) return undefined;
    return parseMail(fs.readFileSync(entry.file));
  }

  router.get('/dev/mail', async (_req, res) => {
    const entries = listStoredMail(dir).slice(0, 200);
    const messages = await Promise.all(
      entries.map(async (e) => {
        const mail = await parseMail(fs.readFileSync(e.file));
        return { id: e.id, subject: mail.subject, to: mail.to?.map((a) => a.address).join(', '), sentAt: mail.date };
      }),
    );
    res.render('dev/mail-list', { messages });
  });

  router.get('/dev/mail/:id', async (req, res, next) => {
    const mail = await load(req.params.id);
    if (!mail) return next();
    res.render('dev/mail-show', {
      id: req.params.id,
      mail,
      headers: mail.headers.filter((h) => /^(from|to|subject|date|list-unsubscribe|list-unsubscribe-post|message-id)$/i.test(h.key)),
    });
  });

  // The HTML part alone, sandboxed: scripts in a received email can never run on this origin.
  router.get('/dev/mail/:id/html', async (req, res, next) => {
    const mail = await load(req.params.id);
    if (!mail) return next();
    res.set('Content-Security-Policy', "sandbox; default-src 'none'; img-src data: http: https:; style-src 'unsafe-inline'");
    res.type('html').send(mail.html ?? '');
  });

  return router;
}
