CREATE TYPE "public"."checkout_status" AS ENUM('open', 'fulfilled', 'expired');--> statement-breakpoint
CREATE TYPE "public"."dispute_status" AS ENUM('open', 'under_review', 'refunded', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."ledger_entry_type" AS ENUM('topup', 'grant', 'charge', 'refund', 'adjustment', 'expiry', 'byok_fee');--> statement-breakpoint
CREATE TYPE "public"."hold_status" AS ENUM('pending', 'settled', 'released');--> statement-breakpoint
CREATE TYPE "public"."lot_kind" AS ENUM('paid', 'grant', 'promo');--> statement-breakpoint
CREATE TYPE "public"."model_kind" AS ENUM('chat', 'embedding');--> statement-breakpoint
CREATE TYPE "public"."provider" AS ENUM('openai', 'anthropic', 'mock');--> statement-breakpoint
CREATE TYPE "public"."member_role" AS ENUM('owner', 'admin', 'finance', 'member');--> statement-breakpoint
CREATE TYPE "public"."key_tier" AS ENUM('standard', 'enhanced', 'professional', 'enterprise');--> statement-breakpoint
CREATE TYPE "public"."usage_source" AS ENUM('reported', 'estimated', 'hold', 'none');--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"balance_micros" bigint DEFAULT 0 NOT NULL,
	"held_micros" bigint DEFAULT 0 NOT NULL,
	"concurrency_limit" integer DEFAULT 10 NOT NULL,
	"low_balance_threshold_micros" bigint,
	"last_paid_topup_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_held_nonneg" CHECK ("accounts"."held_micros" >= 0),
	CONSTRAINT "accounts_concurrency_pos" CHECK ("accounts"."concurrency_limit" > 0)
);
--> statement-breakpoint
CREATE TABLE "api_key_daily_spend" (
	"key_id" text NOT NULL,
	"day" date NOT NULL,
	"spent_micros" bigint DEFAULT 0 NOT NULL,
	"held_micros" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "api_key_daily_spend_key_id_day_pk" PRIMARY KEY("key_id","day"),
	CONSTRAINT "key_daily_held_nonneg" CHECK ("api_key_daily_spend"."held_micros" >= 0)
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"last4" text NOT NULL,
	"tier" "key_tier" DEFAULT 'standard' NOT NULL,
	"custom_rpm" integer,
	"daily_spend_cap_micros" bigint,
	"credit_limit_micros" bigint,
	"spent_micros" bigint DEFAULT 0 NOT NULL,
	"held_micros" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"grace_until" timestamp with time zone,
	"rotated_from" text,
	"last_used_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash"),
	CONSTRAINT "api_keys_held_nonneg" CHECK ("api_keys"."held_micros" >= 0),
	CONSTRAINT "api_keys_spent_nonneg" CHECK ("api_keys"."spent_micros" >= 0),
	CONSTRAINT "api_keys_custom_rpm_pos" CHECK ("api_keys"."custom_rpm" IS NULL OR "api_keys"."custom_rpm" > 0)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"actor_user_id" text,
	"actor_kind" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkout_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"amount_micros" bigint NOT NULL,
	"status" "checkout_status" DEFAULT 'open' NOT NULL,
	"simulated" boolean DEFAULT false NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fulfilled_at" timestamp with time zone,
	CONSTRAINT "checkout_amount_pos" CHECK ("checkout_sessions"."amount_micros" > 0)
);
--> statement-breakpoint
CREATE TABLE "credit_lots" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"kind" "lot_kind" NOT NULL,
	"original_micros" bigint NOT NULL,
	"remaining_micros" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"stripe_session_id" text,
	"stripe_payment_intent_id" text,
	"reason" text,
	"reminded_30_at" timestamp with time zone,
	"reminded_7_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_lots_stripe_session_id_unique" UNIQUE("stripe_session_id"),
	CONSTRAINT "lots_original_pos" CHECK ("credit_lots"."original_micros" > 0),
	CONSTRAINT "lots_remaining_range" CHECK ("credit_lots"."remaining_micros" >= 0 AND "credit_lots"."remaining_micros" <= "credit_lots"."original_micros")
);
--> statement-breakpoint
CREATE TABLE "dispute_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"dispute_id" text NOT NULL,
	"author_id" text,
	"from_staff" boolean DEFAULT false NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "disputes" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"opened_by" text,
	"ledger_entry_id" text,
	"request_id" text,
	"reason" text NOT NULL,
	"amount_micros" bigint,
	"status" "dispute_status" DEFAULT 'open' NOT NULL,
	"refund_micros" bigint,
	"resolved_by" text,
	"resolution_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "disputes_amount_pos" CHECK ("disputes"."amount_micros" IS NULL OR "disputes"."amount_micros" > 0)
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"key_id" text,
	"request_id" text NOT NULL,
	"amount_micros" bigint NOT NULL,
	"status" "hold_status" DEFAULT 'pending' NOT NULL,
	"charged_micros" bigint,
	"day" date,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"settled_at" timestamp with time zone,
	CONSTRAINT "holds_request_id_unique" UNIQUE("request_id"),
	CONSTRAINT "holds_amount_pos" CHECK ("holds"."amount_micros" > 0),
	CONSTRAINT "holds_charged_nonneg" CHECK ("holds"."charged_micros" IS NULL OR "holds"."charged_micros" >= 0)
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"email" text NOT NULL,
	"role" "member_role" NOT NULL,
	"invited_by" text,
	"accepted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"seq" bigserial NOT NULL,
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"type" "ledger_entry_type" NOT NULL,
	"amount_micros" bigint NOT NULL,
	"balance_after_micros" bigint NOT NULL,
	"request_id" text,
	"hold_id" text,
	"lot_id" text,
	"dispute_id" text,
	"stripe_reference" text,
	"description" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
CREATE TABLE "lot_allocations" (
	"entry_id" text NOT NULL,
	"lot_id" text NOT NULL,
	"amount_micros" bigint NOT NULL,
	CONSTRAINT "lot_allocations_entry_id_lot_id_pk" PRIMARY KEY("entry_id","lot_id"),
	CONSTRAINT "alloc_pos" CHECK ("lot_allocations"."amount_micros" > 0)
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"account_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" "member_role" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_account_id_user_id_pk" PRIMARY KEY("account_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" "provider" NOT NULL,
	"upstream_model" text NOT NULL,
	"kind" "model_kind" DEFAULT 'chat' NOT NULL,
	"input_price_micros_per_mtok" bigint NOT NULL,
	"output_price_micros_per_mtok" bigint DEFAULT 0 NOT NULL,
	"cached_input_price_micros_per_mtok" bigint,
	"context_window" integer NOT NULL,
	"max_output_tokens" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "models_prices_nonneg" CHECK ("models"."input_price_micros_per_mtok" >= 0 AND "models"."output_price_micros_per_mtok" >= 0),
	CONSTRAINT "models_max_output_pos" CHECK ("models"."max_output_tokens" > 0)
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"dedupe_key" text,
	"read_at" timestamp with time zone,
	"emailed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notifications_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "processed_webhook_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"key_id" text,
	"model" text,
	"endpoint" text NOT NULL,
	"stream" boolean DEFAULT false NOT NULL,
	"status_code" integer,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"hold_micros" bigint DEFAULT 0 NOT NULL,
	"hold_id" text,
	"usage_source" "usage_source" DEFAULT 'none' NOT NULL,
	"error_code" text,
	"latency_ms" integer,
	"ttfb_ms" integer,
	"max_tokens_clamped" integer,
	"byok" boolean DEFAULT false NOT NULL,
	"client_ip_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"password_hash" text,
	"is_staff" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "api_key_daily_spend" ADD CONSTRAINT "api_key_daily_spend_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkout_sessions" ADD CONSTRAINT "checkout_sessions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkout_sessions" ADD CONSTRAINT "checkout_sessions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dispute_messages" ADD CONSTRAINT "dispute_messages_dispute_id_disputes_id_fk" FOREIGN KEY ("dispute_id") REFERENCES "public"."disputes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dispute_messages" ADD CONSTRAINT "dispute_messages_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_opened_by_users_id_fk" FOREIGN KEY ("opened_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "holds" ADD CONSTRAINT "holds_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_allocations" ADD CONSTRAINT "lot_allocations_lot_id_credit_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."credit_lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_account_idx" ON "api_keys" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "audit_account_idx" ON "audit_log" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_created_idx" ON "audit_log" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "lots_account_expiry_idx" ON "credit_lots" USING btree ("account_id","expires_at");--> statement-breakpoint
CREATE INDEX "lots_payment_intent_idx" ON "credit_lots" USING btree ("stripe_payment_intent_id");--> statement-breakpoint
CREATE INDEX "dispute_messages_dispute_idx" ON "dispute_messages" USING btree ("dispute_id");--> statement-breakpoint
CREATE INDEX "disputes_account_idx" ON "disputes" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "disputes_status_idx" ON "disputes" USING btree ("status");--> statement-breakpoint
CREATE INDEX "holds_pending_expiry_idx" ON "holds" USING btree ("expires_at") WHERE "holds"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "holds_account_idx" ON "holds" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_account_email_uq" ON "invitations" USING btree ("account_id","email");--> statement-breakpoint
CREATE INDEX "ledger_account_seq_idx" ON "ledger_entries" USING btree ("account_id","seq");--> statement-breakpoint
CREATE INDEX "ledger_created_idx" ON "ledger_entries" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "ledger_request_idx" ON "ledger_entries" USING btree ("request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_charge_hold_uq" ON "ledger_entries" USING btree ("hold_id") WHERE "ledger_entries"."type" IN ('charge','byok_fee');--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_refund_ref_uq" ON "ledger_entries" USING btree ("stripe_reference") WHERE "ledger_entries"."type" = 'refund';--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_topup_ref_uq" ON "ledger_entries" USING btree ("stripe_reference") WHERE "ledger_entries"."type" = 'topup';--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_dispute_adjustment_uq" ON "ledger_entries" USING btree ("dispute_id") WHERE "ledger_entries"."type" = 'adjustment' AND "ledger_entries"."dispute_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "memberships_user_idx" ON "memberships" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "notifications_account_idx" ON "notifications" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "requests_account_created_idx" ON "requests" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "requests_key_created_idx" ON "requests" USING btree ("key_id","created_at");