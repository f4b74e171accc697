CREATE TABLE "newsletter_signups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"supporter_id" uuid NOT NULL,
	"locale" text NOT NULL,
	"text" text NOT NULL,
	"source" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"checkout_session_id" text,
	"expires_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"confirmed_by" text
);
--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "newsletter_signups" ADD CONSTRAINT "newsletter_signups_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "newsletter_signups_checkout_idx" ON "newsletter_signups" USING btree ("checkout_session_id");--> statement-breakpoint
CREATE INDEX "newsletter_signups_supporter_idx" ON "newsletter_signups" USING btree ("supporter_id");