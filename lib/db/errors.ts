// Classifying database errors (both drivers; drizzle wraps the driver's error in `cause`).

function* chain(e: unknown): Generator<{ severity?: unknown; code?: unknown; message?: unknown; cause?: unknown }> {
  let cur: unknown = e;
  for (let depth = 0; cur && typeof cur === "object" && depth < 5; depth++) {
    const err = cur as { severity?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    yield err;
    cur = err.cause;
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * The connection broke or the server ended the session (FATAL, admin shutdown, connection
 * failure class 08), as opposed to a statement failing: the statement's outcome is unknown.
 */
export function isConnectionLoss(e: unknown): boolean {
  for (const err of chain(e)) {
    if (err.severity === "FATAL" || err.severity === "PANIC") return true;
    if (typeof err.code === "string" && SQLSTATE.test(err.code)) return err.code.startsWith("08") || /^57P0[1-3]$/.test(err.code);
    if (/connection terminated|connection error|not queryable|ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|timeout exceeded when trying to connect/i.test(`${String(err.code ?? "")} ${String(err.message ?? "")}`)) return true;
  }
  return false;
}

/**
 * Worth retrying as is: the database was unreachable or overloaded, or the transaction lost a
 * serialization/deadlock race. Anything else (a constraint, a bug) fails the same way again.
 */
export function isTransientDbError(e: unknown): boolean {
  if (isConnectionLoss(e)) return true;
  for (const err of chain(e)) {
    if (typeof err.code === "string" && SQLSTATE.test(err.code)) return /^(40001|40P01|53\d{3}|55P03|57014)$/.test(err.code);
  }
  return false;
}

/**
 * A unique constraint refused the row (SQLSTATE 23505) — the named one, when `constraint` is
 * given (matched on the driver's constraint field, or its message for drivers without one).
 */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  for (const err of chain(e)) {
    if (err.code !== "23505") continue;
    const named = (err as { constraint?: unknown }).constraint;
    if (!constraint || named === constraint || String(err.message ?? "").includes(constraint)) return true;
  }
  return false;
}
