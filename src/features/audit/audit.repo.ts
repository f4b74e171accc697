import { asc } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { staff } from '../../db/schema';

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
