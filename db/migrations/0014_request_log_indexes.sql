-- Requests without a model (GET /models, /credits, /usage, /requests, refusals before a model is
-- known) never match the lifecycle-notice lookup (model = $1), so they stay out of its index:
-- one b-tree insertion fewer per such usage event.
DROP INDEX IF EXISTS "requests_model_created_idx";--> statement-breakpoint
CREATE INDEX "requests_model_created_idx" ON "requests" USING btree ("model","created_at") WHERE "requests"."model" IS NOT NULL;
