import type { ReactNode } from "react";
import { staffAccess } from "../_lib/context";

/** Everything under /staff is for operators only; others get a 404. */
export default async function StaffLayout({ children }: { children: ReactNode }) {
  await staffAccess();
  return <>{children}</>;
}
