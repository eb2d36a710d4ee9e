import Link from "next/link";

/** The required acceptance at sign-up (password and OAuth alike). */
export function TermsCheckbox({ errors }: { errors?: string[] }) {
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1">
      <div className="flex items-start gap-2">
        <input
          id="acceptTerms"
          name="acceptTerms"
          type="checkbox"
          required
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? "acceptTerms-error" : undefined}
          className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600"
        />
        <label htmlFor="acceptTerms" className="text-sm text-slate-700">
          I accept the{" "}
          <Link href="/terms" target="_blank" className="font-medium text-indigo-700 underline">
            terms of service
          </Link>{" "}
          and{" "}
          <Link href="/privacy" target="_blank" className="font-medium text-indigo-700 underline">
            privacy policy
          </Link>
          , I am 18 or older, and I am not located in a restricted jurisdiction.
        </label>
      </div>
      {invalid && (
        <p id="acceptTerms-error" role="alert" className="text-sm text-red-600">
          {errors!.join(" ")}
        </p>
      )}
    </div>
  );
}
