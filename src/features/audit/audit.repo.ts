import { asc, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { newsletters, staff, supporters } from '../../db/schema';

export interface StaffName {
  id: string;
  name: string;
  email: string;
  role: string;
  isActive: boolean;
}

/** Every staff account (active or not), for naming who did what and for the filter list. */
export async function selectStaffNames(tx: Tx): Promise<StaffName[]> {
  return tx.select({ id: staff.id, name: staff.name, email: staff.email, role: staff.role, isActive: staff.isActive }).from(staff).orderBy(asc(staff.name), asc(staff.email));
}

/** The names of the supporters and the subjects of the newsletters an audit page points at, by id. */
export async function selectTargetNames(tx: Tx, ids: { supporters: string[]; newsletters: string[] }): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.supporters.length > 0) {
    const rows = await tx
      .select({ id: supporters.id, kind: supporters.kind, organisationName: supporters.organisationName, familyName: supporters.familyName, givenName: supporters.givenName })
      .from(supporters)
      .where(inArray(supporters.id, ids.supporters));
    for (const r of rows) names.set(r.id, r.kind === 'organisation' && r.organisationName ? r.organisationName : `${r.familyName} ${r.givenName}`.trim());
  }
  if (ids.newsletters.length > 0) {
    const rows = await tx.select({ id: newsletters.id, subject: newsletters.subjectJa }).from(newsletters).where(inArray(newsletters.id, ids.newsletters));
    for (const r of rows) if (r.subject) names.set(r.id, r.subject);
  }
  return names;
}
