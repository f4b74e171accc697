import { timestamp } from 'drizzle-orm/pg-core';
import { now } from '../../lib/clock';

/**
 * A moment the app records (created, updated, received, issued…): the database's now() for rows
 * written in SQL, the app's clock for rows written through Drizzle, so tests that set the clock see it.
 */
export const recordedAt = (name: string) => timestamp(name, { withTimezone: true }).notNull().defaultNow().$defaultFn(now);
