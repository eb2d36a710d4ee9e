export * from "./queries";
export * from "./series";
export { READ_ENDPOINTS, REQUEST_ENDPOINTS } from "./request-log";
export { creditsBody, liveLots, transactionsBody, usageBody } from "./api";
