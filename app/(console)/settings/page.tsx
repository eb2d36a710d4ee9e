import type { Metadata } from "next";
import { SignOutEverywhereButton } from "@/components/auth/sign-out-everywhere";
import { StateForm } from "@/components/auth/state-form";
import { TwoFactorSection } from "@/components/auth/two-factor-section";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { staffRequire2fa } from "@/lib/auth/totp";
import { getConsole } from "../_lib/context";
import { changePasswordAction } from "./actions";

export const metadata: Metadata = { title: "Security settings" };

export default async function SettingsPage() {
  const { user } = await getConsole();
  const mustEnrol = user.isStaff && staffRequire2fa() && !user.totpEnabled;
  return (
    <div className="space-y-6">
      <PageHeader title="Security" description={`Sign-in settings for ${user.email}.`} />
      {mustEnrol ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Staff tools need two-factor sign-in on this installation. Set it up below.
        </p>
      ) : null}
      <Card>
        <CardHeader title="Change password" description="Every other session is signed out; this one stays." />
        <CardBody>
          <StateForm
            label="Change password"
            action={changePasswordAction}
            fields={[
              { name: "currentPassword", label: "Current password", type: "password", autoComplete: "current-password" },
              { name: "newPassword", label: "New password", type: "password", autoComplete: "new-password" },
              { name: "confirmPassword", label: "Repeat the new password", type: "password", autoComplete: "new-password" },
            ]}
            submitLabel="Change password"
          />
        </CardBody>
      </Card>
      <TwoFactorSection enabled={user.totpEnabled} />
      <Card>
        <CardHeader title="Sessions" description="Sign out of Tollgate on every browser and device, this one included." />
        <CardBody>
          <SignOutEverywhereButton />
        </CardBody>
      </Card>
    </div>
  );
}
