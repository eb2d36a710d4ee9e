import { Time } from "@/components/ui/time";
import { cn } from "@/components/ui/cn";

export interface ThreadMessage {
  id: string;
  fromStaff: boolean;
  authorEmail: string | null;
  body: string;
  createdAt: Date;
}

/** The dispute's opening reason followed by its messages, oldest first. */
export function DisputeThread({ reason, openedBy, openedAt, messages, viewer }: { reason: string; openedBy: string | null; openedAt: Date; messages: ThreadMessage[]; viewer: "customer" | "staff" }) {
  const all: ThreadMessage[] = [{ id: "reason", fromStaff: false, authorEmail: openedBy, body: reason, createdAt: openedAt }, ...messages];
  return (
    <ol className="space-y-3" aria-label="Messages">
      {all.map((m) => {
        const mine = viewer === "staff" ? m.fromStaff : !m.fromStaff;
        return (
          <li key={m.id} className={cn("flex", mine ? "justify-end" : "justify-start")}>
            <article className={cn("max-w-[85%] rounded-lg px-4 py-3 text-sm ring-1", m.fromStaff ? "bg-indigo-50 ring-indigo-200" : "bg-white ring-slate-200")}>
              <header className="mb-1 flex flex-wrap items-center gap-x-2 text-xs text-slate-600">
                <span className="font-semibold text-slate-800">{m.fromStaff ? "Tollgate support" : (m.authorEmail ?? "Customer")}</span>
                <Time value={m.createdAt} />
              </header>
              <p className="whitespace-pre-wrap break-words text-slate-900">{m.body}</p>
            </article>
          </li>
        );
      })}
    </ol>
  );
}
