// The version of the terms of service and privacy policy a user accepts at sign-up. Changing it
// asks everyone to accept again (the console gate compares versions).
export const TERMS_VERSION = "2026-12-01";

export function termsCurrent(user: { termsVersion: string | null }): boolean {
  return user.termsVersion === TERMS_VERSION;
}
