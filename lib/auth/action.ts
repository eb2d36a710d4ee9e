// One wrapper for every console mutation: it authenticates, resolves the account from the
// session (never from client input), checks the role or staff flag, validates input with zod
// and maps errors to a result the form can show. Unknown errors never reach the client.
import type { z } from "zod";
import { getDb, type Db } from "@/lib/db";
import { isAppError, type ErrorCode } from "@/lib/errors";
import { can, type Permission, type Role } from "./permissions";
import { staffRequire2fa } from "./totp";
import { ACCOUNT_COOKIE, getSessionUser, loadSessionUser, resolveAccountContext, type SessionUser } from "./session";
import { errFields, log } from "@/lib/log";

export interface ActionContext {
  db: Db;
  user: SessionUser;
  accountId: string;
  role: Role;
}

export type ActionError = { code: ErrorCode | "VALIDATION"; message: string; fieldErrors?: Record<string, string[]> };
export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };

export interface ActionDefinition<S extends z.ZodType> {
  input: S;
  /** Required role permission in the current account. */
  permission?: Permission;
  /** Only users with the staff flag. */
  staff?: boolean;
}

/** Identity the action runs as; production takes it from the session cookie. */
export interface ActionIdentity {
  userId: string;
  accountId?: string | null;
}

export type Action<T> = ((input: unknown) => Promise<ActionResult<T>>) & {
  /** Test seam: run as the given user (and preferred account) without a request. */
  runAs(identity: ActionIdentity, input: unknown): Promise<ActionResult<T>>;
};

function fail(code: ActionError["code"], message: string, fieldErrors?: ActionError["fieldErrors"]): { ok: false; error: ActionError } {
  return { ok: false, error: { code, message, ...(fieldErrors ? { fieldErrors } : {}) } };
}

function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

async function execute<S extends z.ZodType, T>(
  def: ActionDefinition<S>,
  handler: (ctx: ActionContext, input: z.infer<S>) => Promise<T>,
  user: SessionUser | null,
  preferredAccountId: string | null | undefined,
  rawInput: unknown,
): Promise<ActionResult<T>> {
  try {
    if (!user) return fail("UNAUTHENTICATED", "Please sign in again.");
    const db = await getDb();
    const account = await resolveAccountContext(db, user, preferredAccountId);
    if (def.staff && !user.isStaff) return fail("FORBIDDEN", "Only staff can do this.");
    if (def.staff && staffRequire2fa() && !user.totpEnabled) return fail("FORBIDDEN", "Turn on two-factor sign-in (Security settings) before using staff tools.");
    if (!def.staff && !account) return fail("FORBIDDEN", "You are not a member of any account.");
    if (def.permission && !can(account?.role, def.permission)) return fail("FORBIDDEN", "Your role in this account does not allow this.");
    const parsed = def.input.safeParse(rawInput);
    if (!parsed.success) return fail("VALIDATION", "Please correct the highlighted fields.", fieldErrorsOf(parsed.error));
    const ctx: ActionContext = { db, user, accountId: account?.accountId ?? "", role: account?.role ?? "member" };
    return { ok: true, data: await handler(ctx, parsed.data) };
  } catch (e) {
    if (isAppError(e) && e.code !== "INTERNAL_ERROR") {
      return fail(e.code, e.message, e.param ? { [e.param]: [e.message] } : undefined);
    }
    log("action").error(errFields(e), "action failed");
    return fail("INTERNAL_ERROR", "Something went wrong. Please try again.");
  }
}

export function defineAction<S extends z.ZodType, T>(def: ActionDefinition<S>, handler: (ctx: ActionContext, input: z.infer<S>) => Promise<T>): Action<T> {
  const action = async (input: unknown) => {
    const { cookies } = await import("next/headers");
    const user = await getSessionUser();
    const preferred = (await cookies()).get(ACCOUNT_COOKIE)?.value;
    return execute(def, handler, user, preferred, input);
  };
  return Object.assign(action, {
    runAs: async (identity: ActionIdentity, input: unknown) => {
      const user = await loadSessionUser(await getDb(), identity.userId);
      return execute(def, handler, user, identity.accountId, input);
    },
  });
}

/** FormData → plain object (repeated names become arrays; empty strings become undefined). */
export function formDataToObject(formData: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of formData.entries()) {
    if (key.startsWith("$ACTION")) continue;
    const v = typeof value === "string" ? (value === "" ? undefined : value) : value;
    if (key in out) out[key] = ([] as unknown[]).concat(out[key], v);
    else out[key] = v;
  }
  return out;
}

/** Adapts an action for `useActionState(formAction(action), initial)`. */
export function formAction<T>(action: Action<T>) {
  return async (_prev: ActionResult<T> | null, formData: FormData): Promise<ActionResult<T>> => action(formDataToObject(formData));
}
