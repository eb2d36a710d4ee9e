export * from "./schemas";
export { searchAccounts, getAccountForStaff, grantCredits, type AccountRow, type GrantResult } from "./accounts";
export { listModelsForStaff, type ModelRow, type StaffModel } from "./models";
export { listAudit, type AuditRow } from "./audit";
export { listOverage, type OverageRow, type OverageTotals } from "./overage";
export { staffSetAccountStatus, staffRevokeKey, staffListKeys } from "./lifecycle";
export { notifyStaff, listStaffNotices, type StaffNotice } from "./notifications";
