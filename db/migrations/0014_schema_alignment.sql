-- Requests without a model (GET /models, /credits, /usage, /requests, refusals before a model is
-- known) never match the lifecycle-notice lookup (model = $1), so they stay out of its index:
-- one b-tree insertion fewer per such usage event.
DROP INDEX IF EXISTS "requests_model_created_idx";--> statement-breakpoint
CREATE INDEX "requests_model_created_idx" ON "requests" USING btree ("model","created_at") WHERE "requests"."model" IS NOT NULL;--> statement-breakpoint
-- 0009 named two foreign keys by hand; db/schema.ts (and so drizzle-kit's snapshot, which this
-- migration brings up to date as meta/0014_snapshot.json) knows them by drizzle's names.
ALTER TABLE "models" RENAME CONSTRAINT "models_replacement_fk" TO "models_replacement_id_models_id_fk";--> statement-breakpoint
ALTER TABLE "model_prices" RENAME CONSTRAINT "model_prices_model_fk" TO "model_prices_model_id_models_id_fk";
