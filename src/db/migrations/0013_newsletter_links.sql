CREATE TABLE "newsletter_link_clicks" (
	"link_id" bigint NOT NULL,
	"supporter_id" uuid NOT NULL,
	"clicks" integer DEFAULT 1 NOT NULL,
	"first_clicked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_clicked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "newsletter_link_clicks_link_id_supporter_id_pk" PRIMARY KEY("link_id","supporter_id")
);
--> statement-breakpoint
CREATE TABLE "newsletter_links" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"newsletter_id" uuid NOT NULL,
	"url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "newsletter_link_clicks" ADD CONSTRAINT "newsletter_link_clicks_link_id_newsletter_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."newsletter_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "newsletter_link_clicks" ADD CONSTRAINT "newsletter_link_clicks_supporter_id_supporters_id_fk" FOREIGN KEY ("supporter_id") REFERENCES "public"."supporters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "newsletter_links" ADD CONSTRAINT "newsletter_links_newsletter_id_newsletters_id_fk" FOREIGN KEY ("newsletter_id") REFERENCES "public"."newsletters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "newsletter_links_url_key" ON "newsletter_links" USING btree ("newsletter_id","url");