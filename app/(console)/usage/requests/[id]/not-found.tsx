import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";

export default function RequestNotFound() {
  return (
    <div>
      <h1 className="mb-6 text-2xl font-semibold tracking-tight text-slate-900">Request not found</h1>
      <Card>
        <CardBody className="space-y-3">
          <p className="text-sm text-slate-700">No request with that id in this account. Check the id, or switch account if it belongs to another one.</p>
          <ButtonLink href="/usage">Back to usage</ButtonLink>
        </CardBody>
      </Card>
    </div>
  );
}
