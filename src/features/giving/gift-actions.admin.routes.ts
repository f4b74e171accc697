import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { withoutControlCharacters } from '../../lib/text';
import { route, type AdminRoute } from '../../web/route-table';
import { findSupporterById, displayName } from '../supporters';
import { donationView } from './gift-views';
import { isUuid, receiptableGift, refundableGift, refundCardGift, sendGiftReceipt, type RefundProblem } from './gift-actions.service';
import { renderGiftReceipt } from './receipts';

type RenderEntry = (req: Request, res: Response, id: string, status?: number, messages?: { error?: string; notice?: string; reasonError?: string }) => Promise<unknown>;

const RECEIPT_STATUS = { notFound: 404, noReceipt: 409, takenBack: 409, noAddress: 409, badKey: 422 } as const;
const REFUND_STATUS: Record<RefundProblem, number> = { notFound: 404, notCard: 409, alreadyRefunded: 409, stripeRefused: 409, stripeFailed: 502 };
const MAX_REASON = 500;

const field = (req: Request, name: string) => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** Where a quick action returns to: the supporter page it was started from, else the gift's page. */
function backTo(req: Request, giftId: string, supporterId: string, done: string): string {
  return field(req, 'back') === 'supporter' ? `/admin/supporters/${supporterId}?done=${done}#gifts` : `/admin/gifts/${giftId}?${done}=1`;
}

/** Quick actions on any gift: its receipt PDF, emailing the receipt, and refunding a card gift (with a confirmation page). */
export function giftActionRoutes(ctx: AppContext, renderEntry: RenderEntry): AdminRoute[] {
  async function renderRefund(req: Request, res: Response, id: string, status = 200, messages: { error?: string; reasonError?: string; reason?: string } = {}) {
    const found = await refundableGift(ctx.db, ctx.stripe, id);
    if (!found.ok && found.problem === 'notFound') return renderEntry(req, res, id, 404);
    if (!found.ok) return renderEntry(req, res, id, REFUND_STATUS[found.problem], { error: t(req.locale, `giving.gifts.refund.${found.problem}`) });
    const supporter = await findSupporterById(ctx.db, found.gift.supporterId);
    res.status(status).render('admin/gifts/refund', {
      layout: 'admin',
      title: t(req.locale, 'giving.gifts.refund.title'),
      gift: donationView(req.locale, found.gift),
      supporter: supporter ? { id: supporter.id, name: displayName(supporter), email: supporter.email } : undefined,
      back: field(req, 'back') === 'supporter' || req.query.back === 'supporter' ? 'supporter' : '',
      ...messages,
    });
  }

  return [
    route('get', '/admin/gifts/:id/receipt.pdf', 'gifts:record', async (req, res) => {
      const found = await receiptableGift(ctx.db, String(req.params.id));
      if (!found.ok)
        return renderEntry(req, res, String(req.params.id), found.problem === 'notFound' ? 404 : 409, { error: t(req.locale, `giving.gifts.receipt.${found.problem}`) });
      const supporter = await findSupporterById(ctx.db, found.gift.supporterId);
      const pdf = await renderGiftReceipt(ctx.db, await ctx.settings.get(), found.gift, supporter?.locale ?? 'ja');
      res
        .set('Cache-Control', 'private, no-store')
        .set('Content-Type', 'application/pdf')
        .set('Content-Disposition', `attachment; filename="receipt-${found.gift.receiptNumber}.pdf"`)
        .send(pdf);
    }),
    route(
      'post',
      '/admin/gifts/:id/send-receipt',
      'gifts:record',
      async (req, res) => {
        const id = String(req.params.id);
        const outcome = await sendGiftReceipt(ctx.db, id, field(req, 'send_key'), { staffId: req.staff!.id, ip: req.ip });
        if (!outcome.ok) return renderEntry(req, res, id, RECEIPT_STATUS[outcome.problem], { error: t(req.locale, `giving.gifts.receipt.${outcome.problem}`) });
        res.redirect(303, backTo(req, id, outcome.gift.supporterId, 'receiptSent'));
      },
      404,
    ),
    route('get', '/admin/gifts/:id/refund', 'gifts:refund', (req, res) => renderRefund(req, res, String(req.params.id)), 404),
    route(
      'post',
      '/admin/gifts/:id/refund',
      'gifts:refund',
      async (req, res) => {
        const id = String(req.params.id);
        if (!isUuid(id)) return renderEntry(req, res, id, 404);
        const reason = withoutControlCharacters(field(req, 'reason')).trim();
        if (!reason || reason.length > MAX_REASON) {
          const key = reason ? 'giving.gifts.refund.reasonTooLong' : 'giving.gifts.refund.reasonRequired';
          return renderRefund(req, res, id, 422, { reasonError: t(req.locale, key, { max: MAX_REASON }), reason: field(req, 'reason').slice(0, MAX_REASON * 2) });
        }
        const outcome = await refundCardGift(ctx.db, ctx.stripe, id, reason, { staffId: req.staff!.id, ip: req.ip });
        if (!outcome.ok) {
          if (outcome.problem === 'notFound') return renderEntry(req, res, id, 404);
          return renderEntry(req, res, id, REFUND_STATUS[outcome.problem], { error: t(req.locale, `giving.gifts.refund.${outcome.problem}`) });
        }
        res.redirect(303, backTo(req, id, outcome.gift.supporterId, 'refundRequested'));
      },
      404,
    ),
  ];
}
