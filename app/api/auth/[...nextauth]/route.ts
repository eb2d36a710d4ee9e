import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// next-auth v4 reads params synchronously; Next 16 passes them as a promise.
async function handler(req: Request, ctx: Ctx): Promise<Response> {
  const params = await ctx.params;
  return NextAuth(authOptions())(req, { params });
}

export { handler as GET, handler as POST };
