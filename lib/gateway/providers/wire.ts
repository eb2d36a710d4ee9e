// The wire formats the gateway speaks: one list, derived from the schema's provider enum (every
// real provider is a wire format; the mock speaks both). Maps keyed by Wire make the compiler
// point at every place a new format must be handled.
import { providerEnum } from "@/db/schema";

type Provider = (typeof providerEnum.enumValues)[number];
export type Wire = Exclude<Provider, "mock">;
export const WIRES = providerEnum.enumValues.filter((p): p is Wire => p !== "mock");
export type Operation = "chat" | "embeddings";
