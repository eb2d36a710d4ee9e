ALTER TABLE "models" ADD COLUMN "deprecated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "sunset_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "replacement_id" text;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_replacement_fk" FOREIGN KEY ("replacement_id") REFERENCES "models"("id");--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_lifecycle_consistent" CHECK (("deprecated_at" IS NULL AND "sunset_at" IS NULL AND "replacement_id" IS NULL) OR ("deprecated_at" IS NOT NULL AND "sunset_at" IS NOT NULL AND "sunset_at" > "deprecated_at" AND "replacement_id" IS DISTINCT FROM "id"));--> statement-breakpoint
CREATE TABLE "model_prices" (
	"id" text PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"input_price_micros_per_mtok" bigint NOT NULL,
	"output_price_micros_per_mtok" bigint NOT NULL,
	"cached_input_price_micros_per_mtok" bigint,
	"effective_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "model_prices_nonneg" CHECK ("input_price_micros_per_mtok" >= 0 AND "output_price_micros_per_mtok" >= 0 AND ("cached_input_price_micros_per_mtok" IS NULL OR "cached_input_price_micros_per_mtok" >= 0))
);--> statement-breakpoint
ALTER TABLE "model_prices" ADD CONSTRAINT "model_prices_model_fk" FOREIGN KEY ("model_id") REFERENCES "models"("id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_prices_model_effective_uq" ON "model_prices" USING btree ("model_id","effective_at") WHERE "cancelled_at" IS NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "custom_rpd" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "custom_concurrency" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_custom_rpd_pos" CHECK ("custom_rpd" IS NULL OR "custom_rpd" > 0);--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_custom_concurrency_pos" CHECK ("custom_concurrency" IS NULL OR "custom_concurrency" > 0);--> statement-breakpoint
CREATE INDEX "requests_model_created_idx" ON "requests" USING btree ("model","created_at");
