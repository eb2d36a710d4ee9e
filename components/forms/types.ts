// The shape lib/auth/action.ts returns; restated structurally so client code needn't import
// a server module.
export type ActionErrorLike = { code: string; message: string; fieldErrors?: Record<string, string[]> };
export type ActionResultLike<T> = { ok: true; data: T } | { ok: false; error: ActionErrorLike };
export type ServerActionFn<T> = (input: unknown) => Promise<ActionResultLike<T>>;

/** FormData → plain object: empty strings become undefined, repeated names become arrays. */
export function formToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (key.startsWith("$ACTION")) continue;
    const v = typeof value === "string" ? (value.trim() === "" ? undefined : value) : value;
    if (v === undefined) continue;
    if (key in out) out[key] = ([] as unknown[]).concat(out[key], v);
    else out[key] = v;
  }
  return out;
}
