import { referenceBundle } from "@/lib/openapi/reference-page";

export const dynamic = "force-dynamic";
export const GET = referenceBundle;
