"use client";

import { Alert } from "@/components/ui/alert";
import { CopyButton } from "@/components/ui/copy-button";

/** The one time a key's plaintext is ever shown. */
export function SecretReveal({ plaintext, note }: { plaintext: string; note?: string }) {
  return (
    <div className="space-y-3">
      <Alert tone="warning" title="Copy this key now">
        This is the only time the full key is shown. Tollgate stores only a hash of it; if you lose it, rotate or create a new key.
        {note ? <span className="mt-1 block">{note}</span> : null}
      </Alert>
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor="new-key-plaintext" className="sr-only">
          New API key
        </label>
        <input
          id="new-key-plaintext"
          readOnly
          value={plaintext}
          data-testid="new-key-plaintext"
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md bg-slate-900 px-3 py-2 font-mono text-sm text-emerald-200 ring-1 ring-slate-700 focus:ring-2 focus:ring-indigo-400 focus-visible:outline-none"
        />
        <CopyButton text={plaintext} label="Copy key" />
      </div>
    </div>
  );
}
