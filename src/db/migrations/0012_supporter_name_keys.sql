DROP INDEX "supporters_search_trgm_idx";--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "search_key" text;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "name_keys" text[];--> statement-breakpoint
CREATE INDEX "supporters_search_key_trgm_idx" ON "supporters" USING gin ("search_key" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "supporters_name_keys_idx" ON "supporters" USING gin ("name_keys") WHERE merged_into_id is null;--> statement-breakpoint
CREATE INDEX "supporters_search_key_missing_idx" ON "supporters" USING btree ("id") WHERE search_key is null;--> statement-breakpoint
CREATE INDEX "donations_payer_name_idx" ON "donations" USING btree ("payer_name","supporter_id") WHERE payer_name is not null;--> statement-breakpoint
ALTER TABLE "supporters" DROP COLUMN "search_text";--> statement-breakpoint
-- search_key and name_keys are written by the app (src/db/search-keys.ts, the one normaliser of
-- src/lib/name-key.ts, which SQL cannot call): existing rows are filled by the migration runner right
-- after this migration. Short words (山田) are narrowed by their grams, as search_text's were (0003).
CREATE INDEX "supporters_search_key_grams_idx" ON "supporters" USING gin (supporter_search_grams("search_key")) WHERE "merged_into_id" IS NULL;--> statement-breakpoint
-- Whoever changes a name or the email (a form, a merge, an erasure, a script) empties the keys, so a
-- stale key can never be served: the next fill writes them again.
CREATE FUNCTION supporters_forget_search_key() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF (NEW.family_name, NEW.given_name, NEW.family_name_kana, NEW.given_name_kana, NEW.organisation_name, NEW.email)
     IS DISTINCT FROM (OLD.family_name, OLD.given_name, OLD.family_name_kana, OLD.given_name_kana, OLD.organisation_name, OLD.email) THEN
    NEW.search_key := NULL;
    NEW.name_keys := NULL;
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "supporters_search_key_stale" BEFORE UPDATE ON "supporters" FOR EACH ROW EXECUTE FUNCTION supporters_forget_search_key();
