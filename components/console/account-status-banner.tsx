import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Money } from "@/components/ui/money";

/** Why the account's API access is off (suspended, terminated, closed), on every console page. */
export function AccountStatusBanner({ status, reason, balanceMicros }: { status: string; reason: string | null; balanceMicros: bigint }) {
  if (status === "active") return null;
  if (status === "suspended") {
    return (
      <Alert tone="warning" className="mb-6" title="This account is suspended">
        API calls with this account&apos;s keys are refused (403 ACCOUNT_SUSPENDED).{reason ? <> Reason: {reason}</> : null} Your keys, credits and data are kept; contact support to resolve this.
      </Alert>
    );
  }
  return (
    <Alert tone="error" className="mb-6" title={status === "closed" ? "This account is closed" : "This account was terminated"}>
      Every API key is revoked.{reason && status === "terminated" ? <> Reason: {reason}</> : null}{" "}
      {balanceMicros > BigInt(0) ? (
        <>
          The remaining balance of <Money micros={balanceMicros} /> is kept for a refund — <Link href="/account" className="underline">how to claim it</Link>.
        </>
      ) : null}
    </Alert>
  );
}
