import { Badge } from "@/components/ui/badge";

export function RequestStatusBadge({ statusCode, errorCode }: { statusCode: number | null; errorCode: string | null }) {
  if (statusCode === null) return <Badge tone="neutral">in progress</Badge>;
  if (statusCode >= 200 && statusCode < 300) return <Badge tone="green">{statusCode}</Badge>;
  return (
    <Badge tone={statusCode >= 500 ? "red" : "amber"}>
      {statusCode}
      {errorCode ? ` ${errorCode}` : ""}
    </Badge>
  );
}
