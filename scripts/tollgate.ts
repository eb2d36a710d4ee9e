// Operator CLI: `npm run tollgate -- <command> [--flags]`. Commands live in scripts/cli/commands/*.ts.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { closeDb } from "@/lib/db";
import { closeRedis } from "@/lib/redis";
import { CliError, type CliCommand, type Flags } from "./cli/types";

function parse(argv: string[]): { name?: string; flags: Flags; positionals: string[] } {
  const flags: Flags = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq > 0) {
        flags[arg.slice(2, eq)] = arg.slice(eq + 1);
      } else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith("--")) {
          flags[arg.slice(2)] = next;
          i++;
        } else flags[arg.slice(2)] = true;
      }
    } else positionals.push(arg);
  }
  return { name: positionals.shift(), flags, positionals };
}

async function loadCommands(): Promise<Record<string, CliCommand>> {
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), "cli", "commands");
  const all: Record<string, CliCommand> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).sort()) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { commands?: Record<string, CliCommand> };
    Object.assign(all, mod.commands ?? {});
  }
  return all;
}

async function main(): Promise<number> {
  const { name, flags, positionals } = parse(process.argv.slice(2));
  const commands = await loadCommands();
  if (!name || name === "help" || flags.help) {
    process.stdout.write("Usage: npm run tollgate -- <command> [flags]\n\n");
    for (const [n, c] of Object.entries(commands)) process.stdout.write(`  ${n.padEnd(16)} ${c.usage}\n`);
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) throw new CliError(`unknown command: ${name} (see --help)`);
  const code = await command.run(flags, positionals);
  return typeof code === "number" ? code : 0;
}

main()
  .then(async (code) => {
    await closeDb();
    closeRedis();
    process.exit(code);
  })
  .catch(async (e: unknown) => {
    const message = e instanceof CliError || (e instanceof Error && e.name === "AppError") ? e.message : e instanceof Error ? e.message : String(e);
    process.stderr.write(`error: ${message}\n`);
    await closeDb().catch(() => undefined);
    process.exit(1);
  });
