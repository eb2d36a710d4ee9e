// The whole Tollgate data model. Money is bigint micro-USD (columns end in _micros).
// Constraints that protect money live here (CHECKs, unique keys); the append-only
// triggers on ledger_entries and audit_log are in hand-written migrations (see db/migrations).
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const micros = (name: string) => bigint(name, { mode: "bigint" });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => ts("created_at").notNull().defaultNow();

export const roleEnum = pgEnum("member_role", ["owner", "admin", "finance", "member"]);
export const tierEnum = pgEnum("key_tier", ["standard", "enhanced", "professional", "enterprise"]);
export const providerEnum = pgEnum("provider", ["openai", "anthropic", "mock"]);
export const modelKindEnum = pgEnum("model_kind", ["chat", "embedding"]);
export const holdStatusEnum = pgEnum("hold_status", ["pending", "settled", "released"]);
export const lotKindEnum = pgEnum("lot_kind", ["paid", "grant", "promo"]);
export const entryTypeEnum = pgEnum("ledger_entry_type", [
  "topup",
  "grant",
  "charge",
  "refund",
  "adjustment",
  "expiry",
  "byok_fee",
  "chargeback_freeze",
  "chargeback_release",
  "chargeback",
]);
export const accountStatusEnum = pgEnum("account_status", ["active", "suspended", "terminated", "closed"]);
export const usageSourceEnum = pgEnum("usage_source", ["reported", "estimated", "hold", "none"]);
export const disputeStatusEnum = pgEnum("dispute_status", ["open", "under_review", "refunded", "rejected"]);
export const checkoutStatusEnum = pgEnum("checkout_status", ["open", "fulfilled", "expired"]);

export const users = pgTable("users", {
  id: text("id").primaryKey(), // usr_
  email: text("email").notNull().unique(), // stored lower-cased
  name: text("name"),
  passwordHash: text("password_hash"), // null for OAuth-only users
  isStaff: boolean("is_staff").notNull().default(false),
  emailVerifiedAt: ts("email_verified_at"),
  termsVersion: text("terms_version"),
  termsAcceptedAt: ts("terms_accepted_at"),
  // Carried in the session JWT; bumping it ends every session issued before (password change, sign out everywhere).
  sessionVersion: integer("session_version").notNull().default(1),
  totpSecret: text("totp_secret"), // encrypted (lib/auth/totp); set while enrolling, enabled once confirmed
  totpEnabledAt: ts("totp_enabled_at"),
  totpLastCounter: bigint("totp_last_counter", { mode: "number" }), // a code is accepted once
  createdAt: createdAt(),
  deletedAt: ts("deleted_at"), // self-deleted: email/name replaced by tombstones
});

// Single-use links (email verification, password reset); only the SHA-256 of the token is stored.
export const authTokens = pgTable(
  "auth_tokens",
  {
    id: text("id").primaryKey(), // tok_
    kind: text("kind").notNull(), // verify_email | reset_password
    userId: text("user_id").notNull().references(() => users.id),
    email: text("email").notNull(), // the address the link was sent to
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("auth_tokens_user_idx").on(t.userId, t.kind), check("auth_tokens_kind_check", sql`${t.kind} IN ('verify_email', 'reset_password')`)],
);

export const oauthIdentities = pgTable(
  "oauth_identities",
  {
    provider: text("provider").notNull(),
    subject: text("subject").notNull(), // the provider's stable user id
    userId: text("user_id").notNull().references(() => users.id),
    email: text("email"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index("oauth_identities_user_idx").on(t.userId)],
);

// Two-factor recovery codes, hashed; each works once.
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    userId: text("user_id").notNull().references(() => users.id),
    codeHash: text("code_hash").notNull(),
    usedAt: ts("used_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

export const accounts = pgTable(
  "accounts",
  {
    id: text("id").primaryKey(), // acct_
    name: text("name").notNull(),
    balanceMicros: micros("balance_micros").notNull().default(sql`0`),
    heldMicros: micros("held_micros").notNull().default(sql`0`),
    concurrencyLimit: integer("concurrency_limit").notNull().default(10),
    lowBalanceThresholdMicros: micros("low_balance_threshold_micros"),
    lastPaidTopupAt: ts("last_paid_topup_at"),
    // Lifetime (lib/accounts/lifecycle.ts): only 'active' accounts may call the API.
    status: accountStatusEnum("status").notNull().default("active"),
    statusReason: text("status_reason"),
    statusChangedAt: ts("status_changed_at"),
    closedAt: ts("closed_at"),
    erasedAt: ts("erased_at"), // personal data replaced by tombstones (erasure job)
    createdAt: createdAt(),
  },
  (t) => [
    check("accounts_held_nonneg", sql`${t.heldMicros} >= 0`),
    check("accounts_concurrency_pos", sql`${t.concurrencyLimit} > 0`),
    index("accounts_erasure_due_idx").on(t.closedAt).where(sql`${t.erasedAt} IS NULL AND ${t.closedAt} IS NOT NULL`),
  ],
);

export const memberships = pgTable(
  "memberships",
  {
    accountId: text("account_id").notNull().references(() => accounts.id),
    userId: text("user_id").notNull().references(() => users.id),
    role: roleEnum("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

// Invitations by single-use link (only the token's SHA-256 is stored), accepted by a signed-in
// user whose verified email matches.
export const invitations = pgTable(
  "invitations",
  {
    id: text("id").primaryKey(), // inv_
    accountId: text("account_id").notNull().references(() => accounts.id),
    email: text("email").notNull(),
    role: roleEnum("role").notNull(),
    invitedBy: text("invited_by").references(() => users.id),
    tokenHash: text("token_hash").unique(),
    expiresAt: ts("expires_at").notNull(),
    acceptedAt: ts("accepted_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("invitations_account_email_uq").on(t.accountId, t.email)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(), // key_
    accountId: text("account_id").notNull().references(() => accounts.id),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(), // hex SHA-256 of the plaintext key
    prefix: text("prefix").notNull(),
    last4: text("last4").notNull(),
    tier: tierEnum("tier").notNull().default("standard"),
    customRpm: integer("custom_rpm"), // staff-negotiated limit; overrides the tier
    customRpd: integer("custom_rpd"), // staff-negotiated requests per UTC day; overrides the tier
    customConcurrency: integer("custom_concurrency"), // staff-negotiated concurrent requests; overrides the tier
    dailySpendCapMicros: micros("daily_spend_cap_micros"),
    creditLimitMicros: micros("credit_limit_micros"), // lifetime
    spentMicros: micros("spent_micros").notNull().default(sql`0`), // lifetime settled charges
    heldMicros: micros("held_micros").notNull().default(sql`0`), // open holds placed by this key
    // Daily spend cap bookkeeping kept on the key row the hot path already locks: charges settled
    // on UTC day spend_day (a later day starts again from 0). Cap check: cap - this - held_micros.
    spendDay: date("spend_day", { mode: "string" }),
    spendDayMicros: micros("spend_day_micros").notNull().default(sql`0`),
    expiresAt: ts("expires_at"),
    revokedAt: ts("revoked_at"),
    graceUntil: ts("grace_until"), // set on the old key when rotated
    rotatedFrom: text("rotated_from"),
    lastUsedAt: ts("last_used_at"),
    createdBy: text("created_by").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    index("api_keys_account_idx").on(t.accountId),
    check("api_keys_held_nonneg", sql`${t.heldMicros} >= 0`),
    check("api_keys_spent_nonneg", sql`${t.spentMicros} >= 0`),
    check("api_keys_custom_rpm_pos", sql`${t.customRpm} IS NULL OR ${t.customRpm} > 0`),
    check("api_keys_custom_rpd_pos", sql`${t.customRpd} IS NULL OR ${t.customRpd} > 0`),
    check("api_keys_custom_concurrency_pos", sql`${t.customConcurrency} IS NULL OR ${t.customConcurrency} > 0`),
  ],
);

export const models = pgTable(
  "models",
  {
    id: text("id").primaryKey(), // public id, e.g. mock-small
    provider: providerEnum("provider").notNull(),
    upstreamModel: text("upstream_model").notNull(),
    kind: modelKindEnum("kind").notNull().default("chat"),
    inputPriceMicrosPerMtok: micros("input_price_micros_per_mtok").notNull(),
    outputPriceMicrosPerMtok: micros("output_price_micros_per_mtok").notNull().default(sql`0`),
    cachedInputPriceMicrosPerMtok: micros("cached_input_price_micros_per_mtok"),
    contextWindow: integer("context_window").notNull(),
    maxOutputTokens: integer("max_output_tokens").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    // Lifecycle: all three set together when deprecated; after sunset_at calls answer 410.
    deprecatedAt: ts("deprecated_at"),
    sunsetAt: ts("sunset_at"),
    replacementId: text("replacement_id").references((): AnyPgColumn => models.id),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("models_prices_nonneg", sql`${t.inputPriceMicrosPerMtok} >= 0 AND ${t.outputPriceMicrosPerMtok} >= 0`),
    check("models_max_output_pos", sql`${t.maxOutputTokens} > 0`),
    check(
      "models_lifecycle_consistent",
      sql`(${t.deprecatedAt} IS NULL AND ${t.sunsetAt} IS NULL AND ${t.replacementId} IS NULL) OR (${t.deprecatedAt} IS NOT NULL AND ${t.sunsetAt} IS NOT NULL AND ${t.sunsetAt} > ${t.deprecatedAt} AND ${t.replacementId} IS DISTINCT FROM ${t.id})`,
    ),
  ],
);

// Scheduled prices: the model's price from effective_at on (the latest one not in the future
// wins; before the first, the models row's own price). A call is priced by the price in force
// when its hold is placed, so a switch needs no job and happens at its exact instant.
export const modelPrices = pgTable(
  "model_prices",
  {
    id: text("id").primaryKey(), // mpr_
    modelId: text("model_id").notNull().references(() => models.id),
    inputPriceMicrosPerMtok: micros("input_price_micros_per_mtok").notNull(),
    outputPriceMicrosPerMtok: micros("output_price_micros_per_mtok").notNull(),
    cachedInputPriceMicrosPerMtok: micros("cached_input_price_micros_per_mtok"),
    effectiveAt: ts("effective_at").notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    cancelledAt: ts("cancelled_at"),
  },
  (t) => [
    check(
      "model_prices_nonneg",
      sql`${t.inputPriceMicrosPerMtok} >= 0 AND ${t.outputPriceMicrosPerMtok} >= 0 AND (${t.cachedInputPriceMicrosPerMtok} IS NULL OR ${t.cachedInputPriceMicrosPerMtok} >= 0)`,
    ),
    uniqueIndex("model_prices_model_effective_uq").on(t.modelId, t.effectiveAt).where(sql`${t.cancelledAt} IS NULL`),
  ],
);

export const holds = pgTable(
  "holds",
  {
    id: text("id").primaryKey(), // hold_
    accountId: text("account_id").notNull().references(() => accounts.id),
    keyId: text("key_id").references(() => apiKeys.id),
    requestId: text("request_id").notNull().unique(),
    amountMicros: micros("amount_micros").notNull(),
    status: holdStatusEnum("status").notNull().default("pending"),
    chargedMicros: micros("charged_micros"),
    expiresAt: ts("expires_at").notNull(),
    createdAt: createdAt(),
    settledAt: ts("settled_at"),
  },
  (t) => [
    check("holds_amount_pos", sql`${t.amountMicros} > 0`),
    check("holds_charged_nonneg", sql`${t.chargedMicros} IS NULL OR ${t.chargedMicros} >= 0`),
    index("holds_pending_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'pending'`),
    index("holds_account_idx").on(t.accountId),
  ],
);

export const creditLots = pgTable(
  "credit_lots",
  {
    id: text("id").primaryKey(), // lot_
    accountId: text("account_id").notNull().references(() => accounts.id),
    kind: lotKindEnum("kind").notNull(),
    originalMicros: micros("original_micros").notNull(),
    remainingMicros: micros("remaining_micros").notNull(),
    expiresAt: ts("expires_at").notNull(),
    stripeSessionId: text("stripe_session_id").unique(), // idempotency key of a paid top-up
    grantKey: text("grant_key").unique(), // operator-chosen idempotency key of a grant (CLI --idempotency-key)
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    reason: text("reason"),
    stripeReceiptUrl: text("stripe_receipt_url"),
    reminded30At: ts("reminded_30_at"),
    reminded7At: ts("reminded_7_at"),
    expiredAt: ts("expired_at"),
    createdAt: createdAt(),
  },
  (t) => [
    check("lots_original_pos", sql`${t.originalMicros} > 0`),
    check("lots_remaining_range", sql`${t.remainingMicros} >= 0 AND ${t.remainingMicros} <= ${t.originalMicros}`),
    index("lots_account_expiry_idx").on(t.accountId, t.expiresAt),
    index("lots_payment_intent_idx").on(t.stripePaymentIntentId),
  ],
);

export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    seq: bigserial("seq", { mode: "bigint" }).notNull().unique(), // total order for running balances
    id: text("id").primaryKey(), // le_
    accountId: text("account_id").notNull().references(() => accounts.id),
    type: entryTypeEnum("type").notNull(),
    amountMicros: micros("amount_micros").notNull(), // signed
    balanceAfterMicros: micros("balance_after_micros").notNull(),
    requestId: text("request_id"),
    holdId: text("hold_id"),
    lotId: text("lot_id"), // the lot a topup/grant/expiry/refund touched
    disputeId: text("dispute_id"),
    stripeReference: text("stripe_reference"), // session id (topup) or refund id (refund)
    description: text("description"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [
    index("ledger_account_seq_idx").on(t.accountId, t.seq),
    index("ledger_created_idx").on(t.createdAt),
    index("ledger_request_idx").on(t.requestId),
    // One charge and at most one BYOK fee per hold (a BYOK settlement writes both).
    uniqueIndex("ledger_charge_hold_uq").on(t.holdId, t.type).where(sql`${t.type} IN ('charge','byok_fee')`),
    uniqueIndex("ledger_refund_ref_uq").on(t.stripeReference).where(sql`${t.type} = 'refund'`),
    uniqueIndex("ledger_topup_ref_uq").on(t.stripeReference).where(sql`${t.type} = 'topup'`),
    uniqueIndex("ledger_dispute_adjustment_uq").on(t.disputeId).where(sql`${t.type} = 'adjustment' AND ${t.disputeId} IS NOT NULL`),
  ],
);

// How each negative entry drew down lots (a charge may span several lots, FIFO by expiry).
export const lotAllocations = pgTable(
  "lot_allocations",
  {
    entryId: text("entry_id").notNull(),
    lotId: text("lot_id").notNull().references(() => creditLots.id),
    amountMicros: micros("amount_micros").notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.lotId] }), check("alloc_pos", sql`${t.amountMicros} > 0`)],
);

// One row per authenticated /api/v1 request (a usage event). No foreign keys: see migration 0013.
export const requests = pgTable(
  "requests",
  {
    id: text("id").primaryKey(), // req_, always minted by the server
    accountId: text("account_id").notNull(),
    keyId: text("key_id"),
    model: text("model"),
    endpoint: text("endpoint").notNull(),
    method: text("method").notNull().default("POST"),
    path: text("path"), // request path without the query (rows from before 0013: derived from endpoint)
    clientRequestId: text("client_request_id"), // the client's own id, account-scoped, never a key
    stream: boolean("stream").notNull().default(false),
    statusCode: integer("status_code"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costMicros: micros("cost_micros").notNull().default(sql`0`),
    holdMicros: micros("hold_micros").notNull().default(sql`0`),
    holdId: text("hold_id"),
    usageSource: usageSourceEnum("usage_source").notNull().default("none"),
    errorCode: text("error_code"),
    latencyMs: integer("latency_ms"),
    ttfbMs: integer("ttfb_ms"),
    maxTokensClamped: integer("max_tokens_clamped"),
    byok: boolean("byok").notNull().default(false),
    clientIpHash: text("client_ip_hash"),
    // Charged beyond the hold (the balance may go below zero by this), and what the provider's
    // reported usage cost beyond the per-call overage bound (written off, never charged).
    overageMicros: micros("overage_micros").notNull().default(sql`0`),
    unchargedMicros: micros("uncharged_micros").notNull().default(sql`0`),
    createdAt: createdAt(),
    completedAt: ts("completed_at"),
  },
  (t) => [
    index("requests_account_created_idx").on(t.accountId, t.createdAt),
    index("requests_key_created_idx").on(t.keyId, t.createdAt),
    index("requests_account_client_id_idx").on(t.accountId, t.clientRequestId).where(sql`${t.clientRequestId} IS NOT NULL`),
    index("requests_overage_idx").on(t.createdAt).where(sql`${t.overageMicros} > 0 OR ${t.unchargedMicros} > 0`),
    check("requests_overage_nonneg", sql`${t.overageMicros} >= 0 AND ${t.unchargedMicros} >= 0`),
    index("requests_created_idx").on(t.createdAt), // retention purge
    index("requests_model_created_idx").on(t.model, t.createdAt).where(sql`${t.model} IS NOT NULL`), // who used a model lately (lifecycle notices)
  ],
);

export const disputes = pgTable(
  "disputes",
  {
    id: text("id").primaryKey(), // dsp_
    accountId: text("account_id").notNull().references(() => accounts.id),
    openedBy: text("opened_by").references(() => users.id),
    ledgerEntryId: text("ledger_entry_id"),
    requestId: text("request_id"),
    reason: text("reason").notNull(),
    amountMicros: micros("amount_micros"), // amount the customer asks back; null = whole charge
    status: disputeStatusEnum("status").notNull().default("open"),
    refundMicros: micros("refund_micros"),
    resolvedBy: text("resolved_by").references(() => users.id),
    resolutionNote: text("resolution_note"),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("disputes_account_idx").on(t.accountId),
    index("disputes_status_idx").on(t.status),
    check("disputes_amount_pos", sql`${t.amountMicros} IS NULL OR ${t.amountMicros} > 0`),
    // At most one live (or refunded) dispute per charge, even when two are opened at once.
    uniqueIndex("disputes_active_entry_uq")
      .on(t.ledgerEntryId)
      .where(sql`${t.status} IN ('open', 'under_review', 'refunded')`),
  ],
);

export const disputeMessages = pgTable(
  "dispute_messages",
  {
    id: text("id").primaryKey(), // dmsg_
    disputeId: text("dispute_id").notNull().references(() => disputes.id),
    authorId: text("author_id").references(() => users.id),
    fromStaff: boolean("from_staff").notNull().default(false),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("dispute_messages_dispute_idx").on(t.disputeId)],
);

export const notifications = pgTable(
  "notifications",
  {
    id: text("id").primaryKey(), // ntf_
    accountId: text("account_id").notNull().references(() => accounts.id),
    kind: text("kind").notNull(), // credits_expiring | low_balance | dispute_update | ...
    title: text("title").notNull(),
    body: text("body").notNull(),
    dedupeKey: text("dedupe_key").unique(), // one reminder per lot per threshold, etc.
    readAt: ts("read_at"),
    emailedAt: ts("emailed_at"),
    createdAt: createdAt(),
  },
  (t) => [index("notifications_account_idx").on(t.accountId, t.createdAt)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(), // aud_
    accountId: text("account_id"),
    actorUserId: text("actor_user_id"),
    actorKind: text("actor_kind").notNull(), // user | staff | system | cli
    action: text("action").notNull(), // e.g. key.create
    targetType: text("target_type"),
    targetId: text("target_id"),
    data: jsonb("data"),
    createdAt: createdAt(),
  },
  (t) => [index("audit_account_idx").on(t.accountId, t.createdAt), index("audit_created_idx").on(t.createdAt)],
);

// Card disputes opened at Stripe against a top-up payment (not the customer disputes above).
// The row is the idempotency key and state machine: open → won | lost, exactly once.
export const chargebacks = pgTable(
  "chargebacks",
  {
    id: text("id").primaryKey(), // Stripe dispute id (dp_…)
    accountId: text("account_id").notNull().references(() => accounts.id),
    lotId: text("lot_id").notNull().references(() => creditLots.id),
    chargeId: text("charge_id"),
    paymentIntentId: text("payment_intent_id"),
    amountMicros: micros("amount_micros").notNull(), // disputed amount
    frozenMicros: micros("frozen_micros").notNull().default(sql`0`),
    lostMicros: micros("lost_micros").notNull().default(sql`0`),
    status: text("status").notNull().default("open"), // open | won | lost
    stripeStatus: text("stripe_status"),
    reason: text("reason"),
    freezeEntryId: text("freeze_entry_id"),
    closeEntryId: text("close_entry_id"),
    createdAt: createdAt(),
    closedAt: ts("closed_at"),
  },
  (t) => [
    index("chargebacks_account_idx").on(t.accountId),
    check("chargebacks_amounts_nonneg", sql`${t.amountMicros} >= 0 AND ${t.frozenMicros} >= 0 AND ${t.lostMicros} >= 0`),
    check("chargebacks_status", sql`${t.status} IN ('open', 'won', 'lost')`),
  ],
);

// Notices for the operator's staff (chargebacks, …), shown in the staff area.
export const staffNotifications = pgTable(
  "staff_notifications",
  {
    id: text("id").primaryKey(), // ntf_
    accountId: text("account_id"),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    dedupeKey: text("dedupe_key").unique(),
    readAt: ts("read_at"),
    emailedAt: ts("emailed_at"),
    createdAt: createdAt(),
  },
  (t) => [index("staff_notifications_created_idx").on(t.createdAt)],
);

export const processedWebhookEvents = pgTable("processed_webhook_events", {
  eventId: text("event_id").primaryKey(),
  type: text("type").notNull(),
  processedAt: createdAt(),
});

// Checkout Sessions we created, so the success page and fulfilment can find the account.
export const checkoutSessions = pgTable(
  "checkout_sessions",
  {
    id: text("id").primaryKey(), // Stripe cs_… (or sim_cs_… for simulated payments)
    accountId: text("account_id").notNull().references(() => accounts.id),
    amountMicros: micros("amount_micros").notNull(),
    status: checkoutStatusEnum("status").notNull().default("open"),
    simulated: boolean("simulated").notNull().default(false),
    createdBy: text("created_by").references(() => users.id),
    createdAt: createdAt(),
    fulfilledAt: ts("fulfilled_at"),
  },
  (t) => [check("checkout_amount_pos", sql`${t.amountMicros} > 0`)],
);
