export * from "./queries";
export * from "./series";
