// Operator CLI command modules: every file in scripts/cli/commands exports `commands`.
export type Flags = Record<string, string | boolean | undefined>;

export interface CliCommand {
  /** One line for `--help`, e.g. "--email E --usd N --reason R  grant credits". */
  usage: string;
  run(flags: Flags, positionals: string[]): Promise<void | number>;
}

export class CliError extends Error {}

export function requireFlag(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== "string" || v.trim() === "") throw new CliError(`missing --${name}`);
  return v;
}

export function optionalFlag(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined || v === false) return undefined;
  if (v === true) throw new CliError(`--${name} needs a value`);
  return v;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
}
