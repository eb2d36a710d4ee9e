export * from "./schemas";
export { disputeEligibility, type Eligibility } from "./eligibility";
export { findCharge, disputeDeadline, disputeWindowStart, type DisputableCharge } from "./charges";
export { openDispute, addCustomerMessage, listDisputes, getDispute, type DisputeListRow, type DisputeDetail, type DisputeMessageView } from "./customer";
export { listDisputeQueue, getDisputeForStaff, staffReply, startReview, resolveDispute, type StaffCtx, type QueueRow, type ResolveResult } from "./staff";
