import type { Metadata } from "next";
import { InviteForm } from "@/components/console/members/invite-form";
import { RoleSelect } from "@/components/console/members/role-select";
import { NoAccess } from "@/components/console/no-access";
import { ConfirmButton } from "@/components/forms/confirm-button";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { can } from "@/lib/auth/permissions";
import { listMembers } from "@/lib/members";
import { pageAccess } from "../_lib/context";
import { removeMemberAction, revokeInvitationAction } from "./actions";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const access = await pageAccess("members:read");
  if (!access.ok) return <NoAccess title="Members" reason={access.reason} permission={access.permission} />;
  const { members, invitations } = await listMembers(access.db, access.actor);
  const writable = can(access.role, "members:write");
  const isOwner = access.role === "owner";
  const owners = members.filter((m) => m.role === "owner").length;

  return (
    <div className="space-y-6">
      <PageHeader title="Members" description="People who can use this account, and what each may do." />
      {writable ? (
        <Card>
          <CardHeader title="Invite someone" description="We email them a single-use link, valid for 7 days. They join by opening it while signed in with that address, once it is verified." />
          <CardBody>
            <InviteForm canGrantOwner={isOwner} />
          </CardBody>
        </Card>
      ) : null}
      <Card>
        <CardHeader title={`Members (${members.length})`} />
        <Table caption="Members">
          <THead>
            <tr>
              <Th>Email</Th>
              <Th>Name</Th>
              <Th>Role</Th>
              <Th>Joined</Th>
              <Th className="text-right">
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </THead>
          <TBody>
            {members.map((m) => {
              const self = m.userId === access.user.id;
              const lastOwner = m.role === "owner" && owners <= 1;
              const manageable = writable && !self && (m.role !== "owner" || isOwner);
              return (
                <Tr key={m.userId} data-member={m.email}>
                  <Td className="font-medium">
                    {m.email} {self ? <Badge tone="indigo">you</Badge> : null}
                  </Td>
                  <Td>{m.name ?? "—"}</Td>
                  <Td>{manageable ? <RoleSelect userId={m.userId} email={m.email} role={m.role} canGrantOwner={isOwner} /> : <span className="capitalize">{m.role}</span>}</Td>
                  <Td>
                    <Time value={m.createdAt} dateOnly />
                  </Td>
                  <Td className="text-right">
                    {manageable && !lastOwner ? (
                      <ConfirmButton
                        action={removeMemberAction}
                        input={{ userId: m.userId }}
                        label="Remove"
                        title={`Remove ${m.email}?`}
                        description="They lose access to this account immediately. Their API keys keep working until you revoke them."
                        confirmLabel="Remove member"
                      />
                    ) : self && !lastOwner && members.length > 1 ? (
                      <ConfirmButton
                        action={removeMemberAction}
                        input={{ userId: m.userId }}
                        label="Leave"
                        title="Leave this account?"
                        description="You lose access immediately. Someone with the Members permission has to invite you again."
                        confirmLabel="Leave account"
                      />
                    ) : lastOwner ? (
                      <span className="text-xs text-slate-500">Last owner</span>
                    ) : null}
                  </Td>
                </Tr>
              );
            })}
          </TBody>
        </Table>
      </Card>
      {invitations.length ? (
        <Card>
          <CardHeader title="Pending invitations" />
          <Table caption="Pending invitations">
            <THead>
              <tr>
                <Th>Email</Th>
                <Th>Role</Th>
                <Th>Invited</Th>
                <Th>Expires</Th>
                <Th className="text-right">
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </THead>
            <TBody>
              {invitations.map((i) => (
                <Tr key={i.id} data-invitation={i.email}>
                  <Td>{i.email}</Td>
                  <Td className="capitalize">{i.role}</Td>
                  <Td>
                    <Time value={i.createdAt} dateOnly />
                  </Td>
                  <Td>
                    <Time value={i.expiresAt} dateOnly />
                  </Td>
                  <Td className="text-right">
                    {writable && (i.role !== "owner" || isOwner) ? (
                      <ConfirmButton action={revokeInvitationAction} input={{ invitationId: i.id }} label="Revoke" title={`Revoke the invitation for ${i.email}?`} confirmLabel="Revoke invitation" />
                    ) : null}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        </Card>
      ) : null}
    </div>
  );
}
