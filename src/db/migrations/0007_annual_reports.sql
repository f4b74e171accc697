CREATE TABLE "annual_receipt_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "annual_receipts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"supporter_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"number" text NOT NULL,
	"status" text DEFAULT 'valid' NOT NULL,
	"total" integer NOT NULL,
	"gift_count" integer NOT NULL,
	"replaces_id" uuid,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"voided_at" timestamp with time zone,
	CONSTRAINT "annual_receipts_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "annual_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"year" integer NOT NULL,
	"figures" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"narrative_ja" text DEFAULT '' NOT NULL,
	"narrative_en" text DEFAULT '' NOT NULL,
	"newsletter_id" uuid,
	"prepared_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "annual_reports_year_unique" UNIQUE("year")
);
--> statement-breakpoint
ALTER TABLE "newsletters" ADD COLUMN "kind" text DEFAULT 'newsletter' NOT NULL;--> statement-breakpoint
ALTER TABLE "annual_receipts" ADD CONSTRAINT "annual_receipts_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annual_reports" ADD CONSTRAINT "annual_reports_newsletter_id_newsletters_id_fk" FOREIGN KEY ("newsletter_id") REFERENCES "public"."newsletters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annual_reports" ADD CONSTRAINT "annual_reports_prepared_by_staff_id_fk" FOREIGN KEY ("prepared_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "annual_receipts_valid_key" ON "annual_receipts" USING btree ("supporter_id","year") WHERE "annual_receipts"."status" = 'valid';--> statement-breakpoint
CREATE INDEX "annual_receipts_supporter_idx" ON "annual_receipts" USING btree ("supporter_id","year");