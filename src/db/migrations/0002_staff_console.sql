CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"staff_id" uuid,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ip" text
);
--> statement-breakpoint
CREATE TABLE "staff" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"email_normalized" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text NOT NULL,
	"totp_secret" text,
	"totp_enabled" boolean DEFAULT false NOT NULL,
	"failed_logins" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"session_epoch" integer DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bank_import_lines" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"import_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"received_on" date NOT NULL,
	"amount" integer NOT NULL,
	"payer_name" text NOT NULL,
	"fingerprint" text NOT NULL,
	"suggested_supporter_id" uuid,
	"status" text DEFAULT 'pending' NOT NULL,
	"donation_id" uuid
);
--> statement-breakpoint
CREATE TABLE "bank_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_sha256" text NOT NULL,
	"filename" text NOT NULL,
	"encoding" text NOT NULL,
	"status" text DEFAULT 'review' NOT NULL,
	"uploaded_by" uuid,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "supporter_merges" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kept_id" uuid NOT NULL,
	"merged_id" uuid NOT NULL,
	"snapshot" jsonb NOT NULL,
	"staff_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supporter_notes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"supporter_id" uuid NOT NULL,
	"staff_id" uuid,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supporter_tags" (
	"supporter_id" uuid NOT NULL,
	"tag" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "supporter_tags_supporter_id_tag_pk" PRIMARY KEY("supporter_id","tag")
);
--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "postal_code" text;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "prefecture" text;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "address" text;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "postal_mail" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "supporters" ADD COLUMN "search_text" text GENERATED ALWAYS AS (lower(translate(coalesce(family_name, '') || ' ' || coalesce(given_name, '') || ' ' || coalesce(family_name_kana, '') || ' ' || coalesce(given_name_kana, '') || ' ' || coalesce(organisation_name, '') || ' ' || email, 'ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖ', 'ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶ'))) STORED;--> statement-breakpoint
ALTER TABLE "donations" ADD COLUMN "channel" text DEFAULT 'stripe' NOT NULL;--> statement-breakpoint
ALTER TABLE "donations" ADD COLUMN "payer_name" text;--> statement-breakpoint
ALTER TABLE "donations" ADD COLUMN "recorded_by" uuid;--> statement-breakpoint
ALTER TABLE "donations" ADD COLUMN "bank_fingerprint" text;--> statement-breakpoint
ALTER TABLE "bank_import_lines" ADD CONSTRAINT "bank_import_lines_import_id_bank_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."bank_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supporter_merges" ADD CONSTRAINT "supporter_merges_kept_id_supporters_id_fk" FOREIGN KEY ("kept_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supporter_notes" ADD CONSTRAINT "supporter_notes_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supporter_tags" ADD CONSTRAINT "supporter_tags_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_staff_idx" ON "audit_log" USING btree ("staff_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE UNIQUE INDEX "staff_email_key" ON "staff" USING btree ("email_normalized");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_import_lines_line_key" ON "bank_import_lines" USING btree ("import_id","line_no");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_imports_sha_key" ON "bank_imports" USING btree ("file_sha256");--> statement-breakpoint
CREATE INDEX "supporter_notes_supporter_idx" ON "supporter_notes" USING btree ("supporter_id","created_at");--> statement-breakpoint
CREATE INDEX "supporter_tags_tag_idx" ON "supporter_tags" USING btree ("tag");--> statement-breakpoint
CREATE INDEX "supporters_search_trgm_idx" ON "supporters" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "donations_bank_fingerprint_key" ON "donations" USING btree ("bank_fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_reversal_key" ON "donations" USING btree ("related_donation_id") WHERE entry = 'reversal';--> statement-breakpoint
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
