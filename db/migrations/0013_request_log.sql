-- Every authenticated /api/v1 request is a row in "requests" (a usage event): model calls as
-- before, plus GET /models, /credits, /usage, /requests and every refusal. Non-model rows are
-- written in batches by lib/usage/events.ts.
-- The log's foreign keys go: their KEY SHARE checks from the batched writer's transactions would
-- queue behind (and turn into MultiXacts with) the FOR UPDATE locks the hot path's hold and
-- settlement statements take on account and key rows. Account and key ids come from the
-- authenticated key, never from client input.
ALTER TABLE "requests" DROP CONSTRAINT IF EXISTS "requests_account_id_accounts_id_fk";--> statement-breakpoint
ALTER TABLE "requests" DROP CONSTRAINT IF EXISTS "requests_key_id_api_keys_id_fk";--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "method" text DEFAULT 'POST' NOT NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "path" text;--> statement-breakpoint
UPDATE "requests" SET "path" = '/api/v1/' || replace("endpoint", '.', '/') WHERE "path" IS NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "client_request_id" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "overage_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "uncharged_micros" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_overage_nonneg" CHECK ("requests"."overage_micros" >= 0 AND "requests"."uncharged_micros" >= 0);--> statement-breakpoint
CREATE INDEX "requests_account_client_id_idx" ON "requests" USING btree ("account_id","client_request_id") WHERE "requests"."client_request_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "requests_overage_idx" ON "requests" USING btree ("created_at") WHERE "requests"."overage_micros" > 0 OR "requests"."uncharged_micros" > 0;
