export { createKey, updateKey, rotateKey, revokeKey, listKeys, getKey, keyStatus, keyAccountId, invalidateAccountKeys, revokeAllKeys, type KeyContext, type ApiKeyView, type KeyStatus } from "./service";
export { authenticateApiKey, keyFromHeaders, assertKeyUsable, type ApiKeyAuth } from "./auth";
export { generateKey, isWellFormedKey, hashKey, displayParts, KEY_PREFIX } from "./format";
export { invalidateKey } from "./cache";
export * from "./schemas";
