-- Supporter search in the staff console (src/features/supporters/supporters.search.repo.ts).
-- Measured with bench/supporter-search.ts on 100,000 supporters and 1,000,000 gifts (npm run seed:demo).
--
-- 1. Search words shorter than three characters (山田, ケン, 林) have no trigram, so the trigram
--    index cannot serve them and every row was read (~120 ms). The grams of search_text (each
--    non-ASCII character, and every pair of characters without a space) in a GIN index narrow
--    them first; LIKE then confirms.
CREATE FUNCTION supporter_search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i WHERE ascii(substr(t, i, 1)) > 127
    UNION ALL
    SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i WHERE position(' ' in substr(t, i, 2)) = 0
  ) AS grams
$$;--> statement-breakpoint
CREATE INDEX "supporters_search_grams_idx" ON "supporters" USING gin (supporter_search_grams("search_text")) WHERE "merged_into_id" IS NULL;--> statement-breakpoint
-- 2. The list's sorts (newest, name by kana) read pages in order from an index instead of sorting
--    every supporter; merged-away supporters are never listed, so they are left out of the indexes.
CREATE INDEX "supporters_live_created_idx" ON "supporters" ("created_at" DESC, "id" DESC) WHERE "merged_into_id" IS NULL;--> statement-breakpoint
CREATE INDEX "supporters_live_name_idx" ON "supporters" ((coalesce("family_name_kana", "family_name")), (coalesce("given_name_kana", "given_name")), "id") WHERE "merged_into_id" IS NULL;--> statement-breakpoint
-- 3. Counts for the filters (status, newsletter, language, individual/organisation) from an
--    index-only scan: reading the wide supporter rows to count them cost ~40 ms per 100,000.
CREATE INDEX "supporters_live_facets_idx" ON "supporters" ("status", "newsletter", "locale", "kind") WHERE "merged_into_id" IS NULL;--> statement-breakpoint
-- 4. The plan filter: who gives a given amount every month now.
CREATE INDEX "subscriptions_live_amount_idx" ON "subscriptions" ("amount", "supporter_id") WHERE "status" IN ('active', 'past_due', 'trialing', 'unpaid');
