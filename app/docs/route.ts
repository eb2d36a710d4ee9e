import { referencePage } from "@/lib/openapi/reference-page";

export const dynamic = "force-dynamic";
export const GET = referencePage;
