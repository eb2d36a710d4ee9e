import type { ComponentProps } from "react";
import { cn } from "./cn";
import { controlClasses } from "./input";

export function Select({
  className,
  options,
  children,
  ...props
}: ComponentProps<"select"> & { options?: readonly { value: string; label: string }[] }) {
  return (
    <select className={cn(controlClasses, "pr-8", className)} {...props}>
      {options?.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
      {children}
    </select>
  );
}
