ALTER TABLE "api_keys" ADD COLUMN "spend_day" date;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "spend_day_micros" bigint DEFAULT 0 NOT NULL;