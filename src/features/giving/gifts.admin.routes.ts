import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context';
import { t } from '../../lib/i18n';
import { route, type AdminRoute } from '../../web/route-table';
import { MAX_OFFLINE_GIFT, todayInTokyo } from './gift-values';
import { donationView, echo, giftFormFields, label, supporterView, translateErrors } from './gift-views';
import { findEntry, findReversalOf, findSupporterHits, listOfflineEntries, searchSupporters } from './offline-gifts.repo';
import { OFFLINE_METHODS, parseOfflineGift, parseReversal } from './offline-gifts.schemas';
import { recordOfflineGift, reverseOfflineGift } from './offline-gifts.service';
import { giftActionRoutes } from './gift-actions.admin.routes';
import { formProblem, noFormErrors } from '../../web/form-errors';

const REVERSE_PROBLEMS = {
  notFound: 404,
  notGift: 409,
  stripeGift: 409,
  alreadyReversed: 409,
} as const;

const query = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string).slice(0, 100) : '');

/**
 * Offline gifts (bank transfer, cash, corporate) and reversing entries. There is deliberately no
 * edit or delete: a mistake is taken back by a reversal and booked again.
 */
export function giftAdminRoutes(ctx: AppContext): AdminRoute[] {
  async function renderForm(req: Request, res: Response, status = 200, values: Record<string, string> = {}, errors: Record<string, string> = {}) {
    const q = values.q ?? '';
    const hits = q ? await searchSupporters(ctx.db, q) : [];
    const chosen =
      values.supporter_id && values.supporter_id !== 'new' && !hits.some((h) => h.id === values.supporter_id) ? await findSupporterHits(ctx.db, [values.supporter_id]) : [];
    const today = todayInTokyo();
    res.status(status).render('admin/gifts/new', {
      layout: 'admin',
      title: t(req.locale, 'giving.gifts.new.title'),
      q,
      searched: Boolean(q),
      supporters: [...chosen, ...hits].map((s) => supporterView(req.locale, s)),
      methods: OFFLINE_METHODS.map((m) => ({ value: m, label: label(req.locale, 'method', m) })),
      today,
      values: { method: 'bank_transfer', received_on: today, ...values },
      ...translateErrors(req.locale, errors, giftFormFields, { max: MAX_OFFLINE_GIFT.toLocaleString('ja-JP') }),
    });
  }

  async function renderEntry(req: Request, res: Response, id: string, status = 200, messages: { error?: string; notice?: string; reasonError?: string; reason?: string } = {}) {
    const entry = await findEntry(ctx.db, id);
    if (!entry) return res.status(404).render('errors/error', { layout: 'admin', status: 404, title: t(req.locale, 'giving.gifts.show.notFound'), message: '' });
    const { donation } = entry;
    const reversal = donation.entry === 'gift' ? await findReversalOf(ctx.db, donation.id) : undefined;
    res.status(status).render('admin/gifts/show', {
      layout: 'admin',
      title: t(req.locale, 'giving.gifts.show.title'),
      gift: donationView(req.locale, donation),
      supporter: supporterView(req.locale, entry.supporter),
      recordedByName: entry.recordedByName,
      reversal: reversal ? donationView(req.locale, reversal) : undefined,
      canReverse: donation.entry === 'gift' && donation.channel === 'offline' && !reversal,
      isStripe: donation.channel === 'stripe',
      hasReceipt: donation.entry === 'gift' && Boolean(donation.receiptNumber) && !reversal,
      canRefund: donation.entry === 'gift' && donation.channel === 'stripe' && donation.method === 'card' && Boolean(donation.stripeChargeId),
      sendKey: crypto.randomUUID(),
      notice: messages.notice,
      reason: messages.reason,
      // A problem with the reason links to its field; any other problem concerns the whole gift.
      ...(messages.reasonError ? formProblem(messages.reasonError, 'reason') : messages.error ? formProblem(messages.error) : noFormErrors),
    });
  }

  return [
    route('get', '/admin/gifts', 'gifts:record', async (req, res) => {
      const entries = await listOfflineEntries(ctx.db, 100);
      res.render('admin/gifts/list', {
        layout: 'admin',
        title: t(req.locale, 'giving.gifts.list.title'),
        entries: entries.map((e) => ({ ...donationView(req.locale, e.donation), supporter: supporterView(req.locale, e.supporter), recordedByName: e.recordedByName })),
      });
    }),
    route('get', '/admin/gifts/new', 'gifts:record', async (req, res) => {
      const values: Record<string, string> = { q: query(req, 'q') };
      if (query(req, 'supporter')) values.supporter_id = query(req, 'supporter');
      // "Book again" after a reversal: the same day, amount, method and payer, for another supporter.
      const copy = query(req, 'copy') ? await findEntry(ctx.db, query(req, 'copy')) : undefined;
      if (copy?.donation.entry === 'gift') {
        Object.assign(values, {
          received_on: copy.donation.receivedOn,
          amount: String(copy.donation.amount),
          method: copy.donation.method,
          payer_name: copy.donation.payerName ?? '',
        });
      }
      await renderForm(req, res, 200, values);
    }),
    route(
      'post',
      '/admin/gifts',
      'gifts:record',
      async (req, res) => {
        const parsed = parseOfflineGift(req.body, todayInTokyo());
        if (!parsed.ok) return renderForm(req, res, 422, echo(req.body), parsed.errors);
        const outcome = await recordOfflineGift(ctx.db, parsed.value, { staffId: req.staff!.id, ip: req.ip });
        if (!outcome.ok) return renderForm(req, res, 422, echo(req.body), outcome.errors);
        res.redirect(303, `/admin/gifts/${outcome.gift.id}?recorded=1`);
      },
      422,
    ),
    ...giftActionRoutes(ctx, renderEntry),
    route('get', '/admin/gifts/:id', 'gifts:record', async (req, res) => {
      const done = (['recorded', 'reversed', 'receiptSent', 'refundRequested'] as const).find((n) => req.query[n]);
      const notice = done ? t(req.locale, `giving.gifts.show.${done}`) : undefined;
      await renderEntry(req, res, String(req.params.id), 200, { notice });
    }),
    route(
      'post',
      '/admin/gifts/:id/reverse',
      'gifts:record',
      async (req, res) => {
        const id = String(req.params.id);
        const parsed = parseReversal(req.body);
        if (!parsed.ok)
          return renderEntry(req, res, id, 422, {
            reasonError: translateErrors(req.locale, { reason: parsed.errors.reason ?? 'giving.gifts.errors.invalid' }, [['reason', 'giving.gifts.field.reason']]).errors.reason,
            reason: typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 500) : '',
          });
        const outcome = await reverseOfflineGift(ctx.db, id, parsed.value.reason, { staffId: req.staff!.id, ip: req.ip });
        if (!outcome.ok) return renderEntry(req, res, id, REVERSE_PROBLEMS[outcome.problem], { error: t(req.locale, `giving.gifts.reverse.${outcome.problem}`) });
        res.redirect(303, `/admin/gifts/${id}?reversed=1`);
      },
      422,
    ),
  ];
}
