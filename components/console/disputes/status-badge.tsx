import { Badge, type BadgeTone } from "@/components/ui/badge";

const STATUS: Record<string, { tone: BadgeTone; label: string }> = {
  open: { tone: "blue", label: "Open" },
  under_review: { tone: "amber", label: "Under review" },
  refunded: { tone: "green", label: "Refunded" },
  rejected: { tone: "red", label: "Rejected" },
};

export function DisputeStatusBadge({ status }: { status: string }) {
  const s = STATUS[status] ?? { tone: "neutral" as const, label: status };
  return <Badge tone={s.tone}>{s.label}</Badge>;
}
