import type { z } from "zod";
import { isAppError } from "@/lib/errors";
import { errFields, log } from "@/lib/log";

/** What the account-security forms (reset, change password, two-factor) get back from their actions. */
export interface FormState {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string[]>;
  /** Extra data for the form (e.g. recovery codes shown once). */
  data?: Record<string, unknown>;
}

export function zodFailure(error: z.ZodError): FormState {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) (fieldErrors[String(issue.path[0] ?? "_form")] ??= []).push(issue.message);
  return { ok: false, fieldErrors };
}

/** Client errors become their message; anything else is logged and stays generic. */
export function errorState(e: unknown, what: string): FormState {
  if (isAppError(e) && e.status < 500) return e.param ? { ok: false, fieldErrors: { [e.param]: [e.message] } } : { ok: false, message: e.message };
  log("auth").error(errFields(e), `${what} failed`);
  return { ok: false, message: "Something went wrong. Please try again." };
}

export function formFields(formData: FormData, names: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const n of names) {
    const v = formData.get(n);
    out[n] = typeof v === "string" ? v : undefined;
  }
  return out;
}
