import { createStaff, type Role } from '../../src/features/staff';
import type { TestApp } from './app';
import { Visitor } from './http';

export const STAFF_PASSWORD = 'correct horse battery staple';
let n = 0;

/** Creates a staff member of the role and returns a visitor signed in as them. */
export async function signInAs(app: TestApp, role: Role): Promise<{ visitor: Visitor; email: string; id: string }> {
  n += 1;
  const email = `${role}-${Date.now()}-${n}@welgee.example`;
  const member = await createStaff(app.ctx.db, { email, name: `${role} ${n}`, role, password: STAFF_PASSWORD });
  const visitor = Visitor.of(app);
  const token = await visitor.csrf('/admin/login');
  const { res } = await visitor.post('/admin/login', { email, password: STAFF_PASSWORD, _csrf: token });
  if (res.status !== 303) throw new Error(`sign-in as ${role} answered ${res.status}`);
  return { visitor, email, id: member.id };
}

/** A CSRF token for a signed-in visitor (from their account page). */
export async function adminToken(visitor: Visitor): Promise<string> {
  return visitor.csrf('/admin/account');
}
