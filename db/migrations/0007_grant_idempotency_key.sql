ALTER TABLE "credit_lots" ADD COLUMN "grant_key" text;--> statement-breakpoint
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_grant_key_unique" UNIQUE("grant_key");