import { readyzResponse } from "@/lib/health";

export const dynamic = "force-dynamic";
// Not `GET = readyzResponse`: Next.js passes the request as the first argument.
export const GET = () => readyzResponse();
