"use client";

import { useState, useTransition } from "react";
import { startTopUpAction } from "@/app/(console)/billing/actions";
import { Alert } from "@/components/ui/alert";
import { ClientButton as Button } from "@/components/ui/client-button";
import { Input } from "@/components/ui/input";

const PRESETS = [5, 10, 25, 50, 100, 250, 500, 1000];

/**
 * Preset and custom top-ups. `nonce` comes from the server render: with the amount it forms the
 * idempotency key, so a double click opens one checkout session, not two.
 */
export function TopUp({ nonce, simulated }: { nonce: string; simulated: boolean }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<{ message: string; field?: string } | null>(null);
  const [custom, setCustom] = useState("");

  const go = (amountUsd: string) => {
    if (pending) return;
    setError(null);
    startTransition(async () => {
      const res = await startTopUpAction({ amountUsd, idempotencyKey: `${nonce}:${amountUsd.replace(".", "_")}` }).catch(() => null);
      if (!res) return setError({ message: "Could not reach the server. Try again." });
      if (!res.ok) return setError({ message: res.error.fieldErrors?.amountUsd?.[0] ?? res.error.message, field: res.error.fieldErrors?.amountUsd ? "amountUsd" : undefined });
      window.location.assign(res.data.url);
    });
  };

  return (
    <div className="space-y-4">
      {simulated ? (
        <Alert tone="info" title="Simulated payments">
          This server has no Stripe keys, so top-ups go to a clearly labelled simulated payment page. No real money moves.
        </Alert>
      ) : null}
      <div role="group" aria-label="Top-up amounts" className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        {PRESETS.map((usd) => (
          <Button key={usd} variant="secondary" disabled={pending} onClick={() => go(String(usd))} className="py-3 text-base">
            ${usd.toLocaleString("en-US")}
          </Button>
        ))}
      </div>
      <form
        className="flex flex-wrap items-end gap-2"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          go(custom.trim());
        }}
      >
        <div className="space-y-1.5">
          <label htmlFor="custom-amount" className="block text-sm font-medium text-slate-800">
            Custom amount (USD)
          </label>
          <Input
            id="custom-amount"
            name="amountUsd"
            inputMode="decimal"
            placeholder="5 – 1,000"
            value={custom}
            onChange={(e) => setCustom(e.target.value)}
            aria-invalid={error?.field === "amountUsd" ? true : undefined}
            aria-describedby="custom-amount-hint"
            className="w-40"
          />
        </div>
        <Button type="submit" disabled={pending || !custom.trim()}>
          {pending ? "Starting checkout…" : "Top up"}
        </Button>
        <p id="custom-amount-hint" className="basis-full text-xs text-slate-500">
          Between $5 and $1,000. Paid credits expire 365 days after your most recent top-up.
        </p>
      </form>
      {error ? (
        <Alert tone="error" live>
          {error.message}
        </Alert>
      ) : null}
    </div>
  );
}
