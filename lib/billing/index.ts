// Credits and payments: top-ups (Stripe Checkout or simulated), fulfilment, refunds, lots.
export type { BillingContext } from "./access";
export {
  paymentsMode,
  startTopUp,
  fulfilCheckoutSession,
  completeSimulatedPayment,
  getCheckoutSession,
  isTollgateSession,
  SIMULATED_PREFIX,
  type PaymentsMode,
  type TopUpStarted,
  type FulfilResult,
  type FulfilOptions,
  type CheckoutSessionView,
} from "./checkout";
export { listLots, setLowBalanceThreshold, type LotView, type LotStatus } from "./lots";
export { handleStripeWebhook, type WebhookResponse } from "./webhook";
export { TOPUP_MIN_MICROS, TOPUP_MAX_MICROS, TOPUP_PRESETS_MICROS, topUpInputSchema, type TopUpInput } from "./schemas";
