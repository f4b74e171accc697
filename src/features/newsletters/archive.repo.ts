import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { newsletters } from '../../db/schema';

/** A sent issue as the public archive shows it. */
export interface ArchivedIssue {
  id: string;
  issueMonth: string | null;
  subjectJa: string;
  subjectEn: string;
  bodyJa: string;
  bodyEn: string;
  sentAt: Date;
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

// Only issues that went out and that staff have not kept out of the archive.
const isPublic = and(eq(newsletters.kind, 'newsletter'), eq(newsletters.status, 'sent'), eq(newsletters.hiddenFromArchive, false));
// The day an issue went out: when sending started (a long send still counts from its first day).
const sentAtOrder = sql`coalesce(${newsletters.startedAt}, ${newsletters.finishedAt}, ${newsletters.createdAt})`;

type Row = Omit<ArchivedIssue, 'sentAt'> & { startedAt: Date | null; finishedAt: Date | null; createdAt: Date };
const toIssue = ({ startedAt, finishedAt, createdAt, ...rest }: Row): ArchivedIssue => ({ ...rest, sentAt: startedAt ?? finishedAt ?? createdAt });

const dates = { startedAt: newsletters.startedAt, finishedAt: newsletters.finishedAt, createdAt: newsletters.createdAt };

/**
 * One page of the public archive, newest first, and how many issues it holds. Bodies are cut to their
 * first `excerptChars` characters: the list shows only an excerpt.
 */
export async function listArchivedIssues(tx: Tx, opts: { limit: number; offset: number; excerptChars: number }): Promise<{ issues: ArchivedIssue[]; total: number }> {
  const rows = await tx
    .select({
      id: newsletters.id,
      issueMonth: newsletters.issueMonth,
      subjectJa: newsletters.subjectJa,
      subjectEn: newsletters.subjectEn,
      bodyJa: sql<string>`left(${newsletters.bodyJa}, ${opts.excerptChars})`,
      bodyEn: sql<string>`left(${newsletters.bodyEn}, ${opts.excerptChars})`,
      ...dates,
    })
    .from(newsletters)
    .where(isPublic)
    .orderBy(desc(sentAtOrder), desc(newsletters.id))
    .limit(opts.limit)
    .offset(opts.offset);
  const [counted] = await tx.select({ n: count() }).from(newsletters).where(isPublic);
  return { issues: rows.map(toIssue), total: Number(counted?.n ?? 0) };
}

/** One issue of the public archive; undefined for an unknown, malformed, unsent or hidden id. */
export async function findArchivedIssue(tx: Tx, id: string): Promise<ArchivedIssue | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await tx
    .select({
      id: newsletters.id,
      issueMonth: newsletters.issueMonth,
      subjectJa: newsletters.subjectJa,
      subjectEn: newsletters.subjectEn,
      bodyJa: newsletters.bodyJa,
      bodyEn: newsletters.bodyEn,
      ...dates,
    })
    .from(newsletters)
    .where(and(eq(newsletters.id, id), isPublic));
  return row ? toIssue(row) : undefined;
}
