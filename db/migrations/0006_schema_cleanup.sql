DROP TABLE "api_key_daily_spend" CASCADE;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "holds" DROP COLUMN "day";