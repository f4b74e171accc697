const UNIQUE_VIOLATION = '23505';

/** Whether a query failed on a unique constraint (PostgreSQL and PGlite; also when Drizzle wraps the error). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === UNIQUE_VIOLATION || e?.cause?.code === UNIQUE_VIOLATION;
}
