import { z } from "zod";

export const emailSchema = z
  .string({ error: "Email is required" })
  .trim()
  .toLowerCase()
  .min(3, "Email is required")
  .max(254, "Email is too long")
  .pipe(z.email({ error: "Enter a valid email address" }));

export const passwordSchema = z
  .string({ error: "Password is required" })
  .min(10, "Use at least 10 characters")
  .max(200, "Use at most 200 characters");

const TERMS_MESSAGE = "Accept the terms, confirm you are 18 or older and not in a restricted jurisdiction";
/** The sign-up checkbox: a checked box posts "on"; anything else (absent included) is a refusal. */
export const acceptTermsSchema = z.enum(["on", "true"], { error: TERMS_MESSAGE }).transform(() => true as const);

export const signUpSchema = z.object({
  name: z.string().trim().min(1, "Name is required").max(100, "Use at most 100 characters"),
  email: emailSchema,
  password: passwordSchema,
  acceptTerms: acceptTermsSchema,
});
export type SignUpInput = z.infer<typeof signUpSchema>;

export const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, "Password is required").max(200),
  code: z.preprocess((v) => (v === "" ? undefined : v), z.string().max(40).optional()),
});

export const totpCodeSchema = z.object({ code: z.string({ error: "Enter the code" }).trim().min(6, "Enter the code").max(40) });

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(200),
    newPassword: passwordSchema,
    confirmPassword: z.string({ error: "Repeat the new password" }).max(200),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords differ" });

export const resetPasswordSchema = z
  .object({
    token: z.string().max(100),
    newPassword: passwordSchema,
    confirmPassword: z.string({ error: "Repeat the new password" }).max(200),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords differ" });

export const forgotPasswordSchema = z.object({ email: emailSchema });
