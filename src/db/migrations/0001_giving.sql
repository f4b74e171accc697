CREATE TABLE "consents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"supporter_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"granted" boolean NOT NULL,
	"text_version" text NOT NULL,
	"text" text NOT NULL,
	"source" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supporters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text DEFAULT 'individual' NOT NULL,
	"email" text NOT NULL,
	"email_normalized" text NOT NULL,
	"family_name" text NOT NULL,
	"given_name" text NOT NULL,
	"family_name_kana" text,
	"given_name_kana" text,
	"organisation_name" text,
	"locale" text DEFAULT 'ja' NOT NULL,
	"status" text DEFAULT 'prospect' NOT NULL,
	"newsletter" boolean DEFAULT false NOT NULL,
	"stripe_customer_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkout_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"supporter_id" uuid NOT NULL,
	"mode" text NOT NULL,
	"amount" integer NOT NULL,
	"locale" text NOT NULL,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "donations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"supporter_id" uuid NOT NULL,
	"entry" text NOT NULL,
	"amount" integer NOT NULL,
	"fee" integer,
	"net" integer,
	"method" text NOT NULL,
	"frequency" text NOT NULL,
	"plan_amount" integer,
	"subscription_id" uuid,
	"stripe_invoice_id" text,
	"stripe_payment_intent_id" text,
	"stripe_charge_id" text,
	"stripe_refund_id" text,
	"stripe_dispute_id" text,
	"related_donation_id" uuid,
	"received_at" timestamp with time zone NOT NULL,
	"received_on" date NOT NULL,
	"receipt_number" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receipt_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"api_version" text,
	"object_id" text,
	"payload" jsonb NOT NULL,
	"stripe_created_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"supporter_id" uuid NOT NULL,
	"stripe_subscription_id" text NOT NULL,
	"stripe_customer_id" text NOT NULL,
	"stripe_price_id" text,
	"status" text NOT NULL,
	"amount" integer NOT NULL,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"canceled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "emails" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkout_sessions" ADD CONSTRAINT "checkout_sessions_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donations" ADD CONSTRAINT "donations_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donations" ADD CONSTRAINT "donations_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consents_supporter_idx" ON "consents" USING btree ("supporter_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "supporters_email_normalized_key" ON "supporters" USING btree ("email_normalized");--> statement-breakpoint
CREATE UNIQUE INDEX "supporters_stripe_customer_key" ON "supporters" USING btree ("stripe_customer_id");--> statement-breakpoint
CREATE INDEX "supporters_status_idx" ON "supporters" USING btree ("status");--> statement-breakpoint
CREATE INDEX "checkout_sessions_supporter_idx" ON "checkout_sessions" USING btree ("supporter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_gift_charge_key" ON "donations" USING btree ("stripe_charge_id") WHERE entry = 'gift';--> statement-breakpoint
CREATE UNIQUE INDEX "donations_gift_invoice_key" ON "donations" USING btree ("stripe_invoice_id") WHERE entry = 'gift';--> statement-breakpoint
CREATE UNIQUE INDEX "donations_gift_payment_intent_key" ON "donations" USING btree ("stripe_payment_intent_id") WHERE entry = 'gift';--> statement-breakpoint
CREATE UNIQUE INDEX "donations_refund_key" ON "donations" USING btree ("stripe_refund_id");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_dispute_key" ON "donations" USING btree ("stripe_dispute_id");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_receipt_number_key" ON "donations" USING btree ("receipt_number");--> statement-breakpoint
CREATE INDEX "donations_supporter_idx" ON "donations" USING btree ("supporter_id","received_at");--> statement-breakpoint
CREATE INDEX "donations_received_on_idx" ON "donations" USING btree ("received_on");--> statement-breakpoint
CREATE INDEX "stripe_events_unprocessed_idx" ON "stripe_events" USING btree ("received_at") WHERE processed_at IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_stripe_key" ON "subscriptions" USING btree ("stripe_subscription_id");--> statement-breakpoint
CREATE INDEX "subscriptions_supporter_idx" ON "subscriptions" USING btree ("supporter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "emails_dedupe_key" ON "emails" USING btree ("dedupe_key");