import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { donations, supporterTags, supporters } from '../../db/schema';
import { fillSearchKeys } from '../../db/search-keys';
import { searchWords } from '../../lib/name-key';
import { withoutControlCharacters } from '../../lib/text';

// The console's supporter list: one query for the page, one for the count, both on the same filter.

export const PAGE_SIZE = 50;
export const sorts = ['newest', 'name', 'total'] as const;
export type SupporterSort = (typeof sorts)[number];
export const statuses = ['prospect', 'monthly', 'one_time', 'lapsed'] as const;
/** Subscription states that still give every month (the "plan" of a supporter). */
export const LIVE_SUBSCRIPTION = ['active', 'past_due', 'trialing', 'unpaid'];

export interface SupporterSearch {
  q?: string;
  status?: (typeof statuses)[number];
  plan?: number;
  newsletter?: boolean;
  locale?: 'ja' | 'en';
  tag?: string;
  kind?: 'individual' | 'organisation';
  sort?: SupporterSort;
  /** 1-based */
  page?: number;
  perPage?: number;
}

export interface SupporterListRow {
  id: string;
  kind: 'individual' | 'organisation';
  email: string;
  familyName: string;
  givenName: string;
  familyNameKana: string | null;
  givenNameKana: string | null;
  organisationName: string | null;
  locale: 'ja' | 'en';
  status: (typeof statuses)[number];
  newsletter: boolean;
  createdAt: Date;
  totalGiven: number;
  planAmount: number | null;
}

/** A LIKE pattern matching the text anywhere, with the user's own % _ \ taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * The search words in search_key's form (src/lib/name-key.ts): each must appear, so 山田 花子 finds
 * 花子 山田 too, and 山田花子, ﾔﾏﾀﾞﾊﾅｺ, 髙橋 or muller find 山田 花子, ヤマダ ハナコ, 高橋 and Müller; at most 6.
 */
export function searchTerms(q: string | undefined): string[] {
  return q ? searchWords(withoutControlCharacters(q)) : [];
}

// Correlated subqueries name their tables with an alias and the outer row in full: drizzle writes
// bare column names when a query has one table, and a bare "id" inside would mean the inner table's.
const outerId = sql.raw('"supporters"."id"');
const live = sql.join(
  LIVE_SUBSCRIPTION.map((s) => sql`${s}`),
  sql`, `,
);
const totalGiven = () => sql<number>`(select coalesce(sum(d.amount), 0) from donations d where d.supporter_id = ${outerId})`.mapWith(Number);
const currentPlan = () => sql<number | null>`(select p.amount from subscriptions p where p.supporter_id = ${outerId} and p.status in (${live}) order by p.created_at desc limit 1)`;

/**
 * One search word, matched anywhere in search_key. Words of 3+ characters are served by the trigram
 * index; shorter ones (山田, ケン, 林) have no trigram, so the grams index (unigrams of non-ASCII
 * characters and bigrams, migration 0003) narrows them first and LIKE confirms.
 */
function termMatches(term: string): SQL {
  // search_key and the words are folded alike (lower case included): a plain LIKE, no case-folding of
  // every row it rechecks (1.7× faster on broad searches than ILIKE).
  const like = sql`${supporters.searchKey} like ${containsPattern(term)}`;
  const length = [...term].length;
  if (length >= 3 || (length === 1 && term.charCodeAt(0) < 128)) return like;
  return sql`(supporter_search_grams(${supporters.searchKey}) @> array[${term}]::text[] and ${like})`;
}

/**
 * The filter. Tag and plan are "one of these supporters": as EXISTS for a page (the planner walks the
 * sort index and stops after 50), as = ANY(array(…)) for a count, which starts from the few tagged
 * or giving supporters instead of every supporter (a hash join over all of them cost ~50 ms).
 */
function whereOf(search: SupporterSearch, membership: 'exists' | 'array'): SQL | undefined {
  const where: (SQL | undefined)[] = [isNull(supporters.mergedIntoId)];
  for (const term of searchTerms(search.q)) where.push(termMatches(term));
  if (search.status) where.push(eq(supporters.status, search.status));
  if (search.newsletter !== undefined) where.push(eq(supporters.newsletter, search.newsletter));
  if (search.locale) where.push(eq(supporters.locale, search.locale));
  if (search.kind) where.push(eq(supporters.kind, search.kind));
  const memberOf = (ids: SQL) => (membership === 'exists' ? sql`exists (${ids} and x.supporter_id = ${outerId})` : sql`${outerId} = any(array(${ids}))`);
  if (search.tag) where.push(memberOf(sql`select x.supporter_id from supporter_tags x where x.tag = ${search.tag}`));
  if (search.plan !== undefined) {
    where.push(memberOf(sql`select x.supporter_id from subscriptions x where x.amount = ${search.plan} and x.status in (${live})`));
  }
  return and(...where);
}

interface SortKey {
  expr: SQL;
  dir: 'asc' | 'desc';
}

// Each sort ends with the id, so pages never overlap. newest and name are served by the partial
// indexes of migration 0003 (supporters_live_created_idx, supporters_live_name_idx).
function sortKeys(sort: SupporterSort): SortKey[] {
  switch (sort) {
    case 'name':
      // Kana first (a Japanese reading order); Latin names without kana sort by their written name.
      return [
        { expr: sql`coalesce(${supporters.familyNameKana}, ${supporters.familyName})`, dir: 'asc' },
        { expr: sql`coalesce(${supporters.givenNameKana}, ${supporters.givenName})`, dir: 'asc' },
        { expr: sql`${supporters.id}`, dir: 'asc' },
      ];
    case 'total':
      return [
        { expr: totalGiven(), dir: 'desc' },
        { expr: sql`${supporters.createdAt}`, dir: 'desc' },
        { expr: sql`${supporters.id}`, dir: 'desc' },
      ];
    default:
      return [
        { expr: sql`${supporters.createdAt}`, dir: 'desc' },
        { expr: sql`${supporters.id}`, dir: 'desc' },
      ];
  }
}

const direction = (dir: SortKey['dir']) => (dir === 'asc' ? sql`asc` : sql`desc`);

/** The page's ids in order, and (for searches) how many match in all. */
async function pageIdsOf(tx: Tx, where: SQL | undefined, sort: SupporterSort, limit: number, offset: number, isSearch: boolean): Promise<{ ids: string[]; matches?: number }> {
  const keys = sortKeys(sort);
  if (!isSearch && sort === 'total') {
    // Everyone's total: one pass over the ledger grouped by supporter beats a lookup per supporter.
    const totals = tx
      .select({ supporterId: donations.supporterId, total: sql<number>`sum(${donations.amount})`.as('total') })
      .from(donations)
      .groupBy(donations.supporterId)
      .as('totals');
    const rows = await tx
      .select({ id: supporters.id })
      .from(supporters)
      .leftJoin(totals, eq(totals.supporterId, supporters.id))
      .where(where)
      .orderBy(sql`coalesce(${totals.total}, 0) desc`, desc(supporters.createdAt), desc(supporters.id))
      .limit(limit)
      .offset(offset);
    return { ids: rows.map((r) => r.id) };
  }
  if (!isSearch) {
    const rows = await tx
      .select({ id: supporters.id })
      .from(supporters)
      .where(where)
      .orderBy(...keys.map((k) => sql`${k.expr} ${direction(k.dir)}`))
      .limit(limit)
      .offset(offset);
    return { ids: rows.map((r) => r.id) };
  }
  // The count has to see every match anyway, so one pass gives the page and the count. OFFSET 0
  // keeps the matching inside (bitmap scans of the text indexes): left to itself, the planner would
  // walk the created_at index to the end, not seeing that count(*) over () needs every row first.
  const projected = sql.join(
    keys.map((k, i) => sql`${k.expr} as ${sql.identifier(`k${i}`)}`),
    sql`, `,
  );
  const ordered = sql.join(
    keys.map((k, i) => sql`${sql.identifier(`k${i}`)} ${direction(k.dir)}`),
    sql`, `,
  );
  const result = (await tx.execute(sql`
    select id, (count(*) over ())::int as matches
    from (select ${supporters.id} as id, ${projected} from ${supporters} where ${where} offset 0) as matched
    order by ${ordered} limit ${limit} offset ${offset}`)) as unknown as { rows: { id: string; matches: number | string }[] };
  return { ids: result.rows.map((r) => r.id), matches: result.rows.length ? Number(result.rows[0]!.matches) : undefined };
}

/**
 * One page of supporters matching the search, and how many match in all (merged-away ones never).
 * Without search words the page comes from an ordered index and the count from an index-only scan.
 */
export async function searchSupporters(tx: Tx, search: SupporterSearch): Promise<{ rows: SupporterListRow[]; total: number }> {
  const perPage = search.perPage ?? PAGE_SIZE;
  const page = Math.max(1, search.page ?? 1);
  const where = whereOf(search, 'exists');
  const isSearch = searchTerms(search.q).length > 0;
  if (isSearch) await fillSearchKeys(tx);
  const countAll = async () =>
    (
      await tx
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(supporters)
        .where(whereOf(search, 'array'))
    )[0]?.n ?? 0;
  const [found, counted] = await Promise.all([pageIdsOf(tx, where, search.sort ?? 'newest', perPage, (page - 1) * perPage, isSearch), isSearch ? undefined : countAll()]);
  // A page past the last one has no row to carry the count.
  const total = counted ?? found.matches ?? (page > 1 ? await countAll() : 0);
  if (found.ids.length === 0) return { rows: [], total };
  // Totals and plans are looked up for the page's rows only.
  const rows = await tx
    .select({
      id: supporters.id,
      kind: supporters.kind,
      email: supporters.email,
      familyName: supporters.familyName,
      givenName: supporters.givenName,
      familyNameKana: supporters.familyNameKana,
      givenNameKana: supporters.givenNameKana,
      organisationName: supporters.organisationName,
      locale: supporters.locale,
      status: supporters.status,
      newsletter: supporters.newsletter,
      createdAt: supporters.createdAt,
      totalGiven: totalGiven(),
      planAmount: currentPlan(),
    })
    .from(supporters)
    .where(inArray(supporters.id, found.ids));
  const position = new Map(found.ids.map((id, i) => [id, i]));
  rows.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
  return { rows: rows.map((r) => ({ ...r, planAmount: r.planAmount === null ? null : Number(r.planAmount) })), total };
}

/** The tags in use, with how many supporters carry each (for the filter; a merge moves tags away from the merged). */
export async function listTagsInUse(tx: Tx, limit = 200): Promise<{ tag: string; n: number }[]> {
  return tx
    .select({ tag: supporterTags.tag, n: sql<number>`count(*)`.mapWith(Number) })
    .from(supporterTags)
    .groupBy(supporterTags.tag)
    .orderBy(asc(supporterTags.tag))
    .limit(limit);
}

/** A plain lookup by primary key: the baseline the search benchmark compares against. */
export async function findSupporterRowById(tx: Tx, id: string): Promise<{ id: string } | undefined> {
  const [row] = await tx.select({ id: supporters.id, email: supporters.email }).from(supporters).where(eq(supporters.id, id));
  return row;
}
