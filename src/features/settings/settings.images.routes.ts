import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { AppContext } from '../../context';
import { recordAudit } from '../audit';
import { route, type AdminRoute } from '../../web/route-table';
import { checkImage, deleteSettingImage, findSettingImage, isImageKind, MAX_IMAGE_BYTES, saveSettingImage, type ImageKind } from './setting-images';

// One more byte than allowed reaches the check, so a file just over the limit is named as too large.
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_IMAGE_BYTES + 1, files: 1, fields: 2, parts: 3 } }).single('image');

type Render = (req: Request, res: Response, status: number, imageErrors?: Partial<Record<ImageKind, string>>) => Promise<void>;

/** Upload, preview and remove the seal and the link-preview image (admins). */
export function settingsImageRoutes(ctx: AppContext, renderForm: Render): AdminRoute[] {
  return [
    route('get', '/admin/settings/images/:kind', 'settings:edit', showImage),
    route('post', '/admin/settings/images/:kind', 'settings:edit', [receiveFile, storeImage], 303),
    route('post', '/admin/settings/images/:kind/remove', 'settings:edit', removeImage, 303),
  ];

  async function showImage(req: Request, res: Response) {
    const kind = req.params.kind;
    const image = isImageKind(kind) ? await findSettingImage(ctx.db, kind) : undefined;
    if (!image) return res.status(404).type('text/plain').send('not found');
    res.set('Cache-Control', 'private, no-store').type(image.contentType).send(image.bytes);
  }

  // The upload is parsed only after the permission check; its errors are the visitor's, never a 500.
  function receiveFile(req: Request, res: Response, next: NextFunction) {
    const kind = req.params.kind;
    if (!isImageKind(kind)) return res.status(404).type('text/plain').send('not found');
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      const tooLarge = err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE';
      renderForm(req, res, tooLarge ? 413 : 400, { [kind]: tooLarge ? 'settings.images.errors.tooLarge' : 'settings.images.errors.missing' }).catch(next);
    });
  }

  async function storeImage(req: Request, res: Response) {
    const kind = req.params.kind as ImageKind;
    const checked = checkImage(req.file?.buffer);
    if ('error' in checked) return renderForm(req, res, 422, { [kind]: checked.error });
    await saveSettingImage(ctx.db, kind, checked.image);
    ctx.settings.forget();
    await recordAudit(ctx.db, {
      staffId: req.staff!.id,
      action: 'settings.image',
      targetType: 'settings',
      targetId: kind,
      detail: { kind, bytes: checked.image.bytes.length },
      ip: req.ip,
    });
    res.redirect(303, `/admin/settings?image=${kind}#section-images`);
  }

  async function removeImage(req: Request, res: Response) {
    const kind = req.params.kind;
    if (!isImageKind(kind)) return res.status(404).type('text/plain').send('not found');
    await deleteSettingImage(ctx.db, kind);
    ctx.settings.forget();
    await recordAudit(ctx.db, { staffId: req.staff!.id, action: 'settings.image', targetType: 'settings', targetId: kind, detail: { kind, removed: true }, ip: req.ip });
    res.redirect(303, `/admin/settings?image=${kind}#section-images`);
  }
}

/** GET /media/og-image/<sha256>: the link-preview image, public and cached for good (a new upload gets a new URL). */
export function publicImageRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/media/og-image/:hash', async (req, res) => {
    const image = await findSettingImage(ctx.db, 'ogImage');
    if (!image || image.sha256 !== req.params.hash) return res.status(404).type('text/plain').send('not found');
    res.set('Cache-Control', 'public, max-age=31536000, immutable').type(image.contentType).send(image.bytes);
  });
  return router;
}
