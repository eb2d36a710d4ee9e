export * from "./queries";
export * from "./series";
export { MODEL_ENDPOINTS, REQUEST_ENDPOINTS } from "./request-log";
