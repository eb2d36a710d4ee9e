"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { beginTwoFactorAction, confirmTwoFactorAction, disableTwoFactorAction } from "@/app/(console)/settings/actions";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { StateForm } from "./state-form";

type Enrolment = { otpauthUrl: string; qrDataUrl: string; secret: string };

export function TwoFactorSection({ enabled }: { enabled: boolean }) {
  const router = useRouter();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();

  return (
    <Card>
      <CardHeader title="Two-factor sign-in" description="A code from an authenticator app (TOTP) at every sign-in, after the password." />
      <CardBody className="space-y-4">
        {enabled ? (
          <>
            <p className="text-sm text-green-800">On. To turn it off, enter a current code or a recovery code.</p>
            <StateForm label="Turn off two-factor sign-in" action={disableTwoFactorAction} fields={[{ name: "code", label: "Code", autoComplete: "one-time-code" }]} submitLabel="Turn off" done={() => <Done onDone={() => router.refresh()} text="Two-factor sign-in is off." />} />
          </>
        ) : enrolment ? (
          <div className="space-y-4">
            <p className="text-sm text-slate-700">Scan this code with your authenticator app, then enter the 6-digit code it shows.</p>
            {/* A data: URL made on the server from the otpauth:// URI; the CSP allows data: images. */}
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={enrolment.qrDataUrl} alt="QR code for your authenticator app" width={200} height={200} className="rounded border border-slate-200" />
            <p className="text-xs text-slate-600">
              Cannot scan? Enter this key: <code data-testid="totp-secret" className="break-all font-mono">{enrolment.secret}</code>
            </p>
            <StateForm
              label="Confirm two-factor sign-in"
              action={confirmTwoFactorAction}
              fields={[{ name: "code", label: "Code from the app", autoComplete: "one-time-code", inputMode: "numeric" }]}
              submitLabel="Turn on"
              done={(s) => <RecoveryCodes codes={(s.data?.recoveryCodes as string[]) ?? []} onDone={() => router.refresh()} />}
            />
          </div>
        ) : (
          <>
            <p className="text-sm text-slate-700">Off.</p>
            <button
              type="button"
              disabled={pending}
              onClick={() =>
                start(async () => {
                  const r = await beginTwoFactorAction();
                  if (r.ok) setEnrolment(r.data as Enrolment);
                  else setError(r.message ?? "Something went wrong.");
                })
              }
              className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
            >
              {pending ? "Preparing…" : "Set up two-factor sign-in"}
            </button>
            {error ? <p role="alert" className="text-sm text-red-600">{error}</p> : null}
          </>
        )}
      </CardBody>
    </Card>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="space-y-3">
      <p role="status" className="text-sm text-green-800">Two-factor sign-in is on.</p>
      <p className="text-sm text-slate-700">Recovery codes: each works once if you lose your device. They are shown only now; store them somewhere safe.</p>
      <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-1 font-mono text-sm">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <button type="button" onClick={onDone} className="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-50">
        I saved them
      </button>
    </div>
  );
}

function Done({ onDone, text }: { onDone: () => void; text: string }) {
  return (
    <div className="space-y-2">
      <p role="status" className="text-sm text-green-800">{text}</p>
      <button type="button" onClick={onDone} className="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-50">
        Done
      </button>
    </div>
  );
}
