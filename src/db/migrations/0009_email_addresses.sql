ALTER TABLE "emails" ADD COLUMN "failed_at" timestamp with time zone;--> statement-breakpoint
-- Addresses typed in full width or with spaces around them (ｆｗ＠ｅｘａｍｐｌｅ．ｃｏｍ) were stored as typed, and
-- no mail could reach them. They get the normal form of src/lib/email-address.ts: NFKC, trimmed, the domain
-- lower-cased (email_normalized was already NFKC and lower-cased, so no two rows can meet). Each fixed row
-- gets an audit entry, without the address: the audit log is never erased.
WITH normal AS (
  SELECT id, CASE WHEN strpos(e, '@') > 0 THEN regexp_replace(e, '@[^@]*$', '') || '@' || lower(substring(e FROM '@([^@]*)$')) ELSE e END AS address
    FROM (SELECT id, btrim(normalize(email, NFKC), E' \t\r\n') AS e FROM "supporters") AS t
), fixed AS (
  UPDATE "supporters" AS s SET email = n.address, updated_at = now() FROM normal AS n WHERE s.id = n.id AND s.email <> n.address RETURNING s.id
)
INSERT INTO "audit_log" (action, target_type, target_id, detail)
SELECT 'supporter.email_normalized', 'supporter', id::text, '{"by": "migration 0009_email_addresses", "what": "email written in its normal form (half-width, trimmed, lower-case domain)"}'::jsonb FROM fixed;--> statement-breakpoint
WITH normal AS (
  SELECT id, CASE WHEN strpos(e, '@') > 0 THEN regexp_replace(e, '@[^@]*$', '') || '@' || lower(substring(e FROM '@([^@]*)$')) ELSE e END AS address
    FROM (SELECT id, btrim(normalize(email, NFKC), E' \t\r\n') AS e FROM "staff") AS t
), fixed AS (
  UPDATE "staff" AS s SET email = n.address FROM normal AS n WHERE s.id = n.id AND s.email <> n.address RETURNING s.id
)
INSERT INTO "audit_log" (action, target_type, target_id, detail)
SELECT 'staff.email_normalized', 'staff', id::text, '{"by": "migration 0009_email_addresses", "what": "email written in its normal form (half-width, trimmed, lower-case domain)"}'::jsonb FROM fixed;--> statement-breakpoint
-- Emails still waiting for such an address (their job may have used up its attempts) go to the fixed
-- address and are queued again; sending skips an email that is no longer queued, so twice is harmless.
WITH normal AS (
  SELECT id, CASE WHEN strpos(e, '@') > 0 THEN regexp_replace(e, '@[^@]*$', '') || '@' || lower(substring(e FROM '@([^@]*)$')) ELSE e END AS address
    FROM (SELECT id, btrim(normalize(to_address, NFKC), E' \t\r\n') AS e FROM "emails" WHERE status = 'queued') AS t
), fixed AS (
  UPDATE "emails" AS m SET to_address = n.address, error = NULL FROM normal AS n WHERE m.id = n.id AND m.to_address <> n.address RETURNING m.id
)
INSERT INTO "outbox" (job_name, payload) SELECT 'send-email', jsonb_build_object('emailId', id) FROM fixed;
