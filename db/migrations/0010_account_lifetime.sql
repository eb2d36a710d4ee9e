-- Accounts over their lifetime: status (suspension, termination, closure, erasure), user
-- self-deletion, card chargebacks, staff notifications, receipts, retention and an append-only
-- audit log.
CREATE TYPE "public"."account_status" AS ENUM('active', 'suspended', 'terminated', 'closed');--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "status" "account_status" DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "status_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "closed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "accounts_erasure_due_idx" ON "accounts" USING btree ("closed_at") WHERE "erased_at" IS NULL AND "closed_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
-- Chargeback entries: frozen when Stripe opens a dispute, released when it is won, and the
-- unrecovered rest booked as a (possibly balance-negative) chargeback when it is lost.
ALTER TYPE "public"."ledger_entry_type" ADD VALUE 'chargeback_freeze';--> statement-breakpoint
ALTER TYPE "public"."ledger_entry_type" ADD VALUE 'chargeback_release';--> statement-breakpoint
ALTER TYPE "public"."ledger_entry_type" ADD VALUE 'chargeback';--> statement-breakpoint
CREATE TABLE "chargebacks" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"lot_id" text NOT NULL,
	"charge_id" text,
	"payment_intent_id" text,
	"amount_micros" bigint NOT NULL,
	"frozen_micros" bigint DEFAULT 0 NOT NULL,
	"lost_micros" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"stripe_status" text,
	"reason" text,
	"freeze_entry_id" text,
	"close_entry_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "chargebacks_amounts_nonneg" CHECK ("chargebacks"."amount_micros" >= 0 AND "chargebacks"."frozen_micros" >= 0 AND "chargebacks"."lost_micros" >= 0),
	CONSTRAINT "chargebacks_status" CHECK ("chargebacks"."status" IN ('open', 'won', 'lost'))
);
--> statement-breakpoint
ALTER TABLE "chargebacks" ADD CONSTRAINT "chargebacks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chargebacks" ADD CONSTRAINT "chargebacks_lot_id_credit_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."credit_lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chargebacks_account_idx" ON "chargebacks" USING btree ("account_id");--> statement-breakpoint
CREATE TABLE "staff_notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"dedupe_key" text,
	"read_at" timestamp with time zone,
	"emailed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_notifications_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE INDEX "staff_notifications_created_idx" ON "staff_notifications" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "credit_lots" ADD COLUMN "stripe_receipt_url" text;--> statement-breakpoint
CREATE INDEX "requests_created_idx" ON "requests" USING btree ("created_at");--> statement-breakpoint
-- The audit log is append-only: UPDATE is always rejected; DELETE only for rows older than the
-- cut-off the retention job sets for its own transaction (set_config(..., true)).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
DECLARE
  cutoff text := current_setting('tollgate.audit_purge_before', true);
BEGIN
  IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <> '' AND OLD.created_at < cutoff::timestamptz THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only (% rejected)', TG_OP USING ERRCODE = 'P0001';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
