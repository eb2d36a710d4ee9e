// Next's request-scoped APIs expect the AsyncLocalStorage global its server installs at boot;
// tests import server modules (sessions, actions) outside a running Next server.
import { AsyncLocalStorage } from "node:async_hooks";

const g = globalThis as typeof globalThis & { AsyncLocalStorage?: typeof AsyncLocalStorage };
g.AsyncLocalStorage ??= AsyncLocalStorage;
