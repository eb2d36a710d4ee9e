"use client";

import { ClientButton as Button } from "@/components/ui/client-button";

export function PrintButton() {
  return (
    <Button variant="secondary" onClick={() => window.print()}>
      Print
    </Button>
  );
}
