import { getDbHandle } from "@/lib/db";
import type { CliCommand } from "../types";

export const commands: Record<string, CliCommand> = {
  "db:migrate": {
    usage: "apply checked-in migrations to DATABASE_URL (or the embedded database)",
    async run() {
      const handle = await getDbHandle(); // opening migrates
      process.stderr.write(`migrations applied (${handle.kind})\n`);
    },
  },
};
