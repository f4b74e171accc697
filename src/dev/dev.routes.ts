import fs from 'node:fs';
import { Router } from 'express';
import { decodeWords } from 'postal-mime';
import { listStoredMail, parseMail } from './mail-sink';

const SHOWN_HEADERS = /^(from|to|cc|reply-to|subject|date|list-unsubscribe|list-unsubscribe-post|message-id)$/i;

/** Bytes as a person reads them (12 KB, 1.4 MB). */
function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function sizeOf(content: ArrayBuffer | Uint8Array | string): number {
  return typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
}

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
        return {
          id: e.id,
          subject: mail.subject,
          to: mail.to?.map((a) => a.address).join(', '),
          sentAt: mail.date,
          attachments: mail.attachments.map((a, index) => ({ index, filename: a.filename ?? `attachment-${index + 1}` })),
        };
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
      // Header values as sent are MIME encoded-words (=?UTF-8?B?…?=); people read them decoded.
      headers: mail.headers.filter((h) => SHOWN_HEADERS.test(h.key)).map((h) => ({ key: h.originalKey ?? h.key, value: decodeWords(h.value) })),
      attachments: mail.attachments.map((a, index) => ({ index, filename: a.filename ?? `attachment-${index + 1}`, mimeType: a.mimeType, size: formatSize(sizeOf(a.content)) })),
    });
  });

  // The HTML part alone, sandboxed without scripts: nothing in a received email can run. Same-origin lets
  // the viewer page read the content's height to size the frame.
  router.get('/dev/mail/:id/html', async (req, res, next) => {
    const mail = await load(req.params.id);
    if (!mail) return next();
    res.set('Content-Security-Policy', "sandbox allow-same-origin; default-src 'none'; img-src data: http: https:; style-src 'unsafe-inline'");
    res.type('html').send(mail.html ?? '');
  });

  // One attachment, downloaded (never rendered on this origin).
  router.get('/dev/mail/:id/attachments/:index', async (req, res, next) => {
    const mail = await load(req.params.id);
    const index = Number(req.params.index);
    const attachment = mail && /^\d+$/.test(req.params.index) ? mail.attachments[index] : undefined;
    if (!attachment) return next();
    const content = typeof attachment.content === 'string' ? Buffer.from(attachment.content) : Buffer.from(attachment.content as ArrayBuffer);
    res.set('Content-Security-Policy', "sandbox; default-src 'none'");
    res.set('X-Content-Type-Options', 'nosniff');
    res.attachment(attachment.filename ?? `attachment-${index + 1}`);
    res.type(attachment.mimeType || 'application/octet-stream').send(content);
  });

  return router;
}
