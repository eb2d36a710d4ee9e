"use client";

import { useSyncExternalStore, type ComponentProps } from "react";
import { Button } from "./button";

const noopSubscribe = () => () => {};

/** False during server rendering and hydration, true once React owns the page. */
export function useHydrated(): boolean {
  return useSyncExternalStore(noopSubscribe, () => true, () => false);
}

/**
 * A Button whose click handler only exists after hydration: until then it renders disabled,
 * so an early click is visibly not taken instead of silently doing nothing.
 */
export function ClientButton(props: ComponentProps<typeof Button>) {
  const hydrated = useHydrated();
  const gated = Boolean(props.onClick) && (props.type ?? "button") === "button";
  return <Button {...props} disabled={props.disabled || (gated && !hydrated)} />;
}
