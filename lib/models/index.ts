// The model catalogue: what can be called, at which price, and for how long.
export { findModel, findServedModel, invalidateModels, listServedModels, providerConfigured, type ModelRow, type ProviderName, type ServedModel } from "./catalogue";
export { seedFile, seedModels } from "./seed";
export { assertNotSunset, lifecycleHeaders, lifecycleState, type LifecycleState } from "./lifecycle";
export { scheduledInForce, upcomingPrices, withPriceAt, type PriceSet, type ScheduledPrice } from "./prices";
export * from "./admin";
export * from "./schemas";
