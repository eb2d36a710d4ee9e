"use client";

import { addDisputeMessageAction } from "@/app/(console)/disputes/actions";
import { ReplyForm } from "./reply-form";

export function CustomerReply({ disputeId }: { disputeId: string }) {
  return <ReplyForm action={addDisputeMessageAction} disputeId={disputeId} label="Add a message" />;
}
