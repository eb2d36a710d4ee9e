import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";

export default function DisputeNotFound() {
  return (
    <div>
      <h1 className="mb-6 text-2xl font-semibold tracking-tight text-slate-900">Dispute not found</h1>
      <Card>
        <CardBody className="space-y-3">
          <p className="text-sm text-slate-700">No dispute with that id in this account.</p>
          <ButtonLink href="/disputes">All disputes</ButtonLink>
        </CardBody>
      </Card>
    </div>
  );
}
