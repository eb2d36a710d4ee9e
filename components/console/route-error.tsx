"use client";

import { useEffect } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";

/** Body of every console error.tsx: a calm message, the digest to quote, and a retry. */
export function RouteError({ error, reset, title = "Something went wrong" }: { error: Error & { digest?: string }; reset: () => void; title?: string }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div role="alert">
      <h1 className="mb-6 text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
      <Card>
        <CardBody className="space-y-3">
          <p className="text-sm text-slate-700">This page could not be loaded. Your data is safe; try again in a moment.</p>
          {error.digest ? <p className="text-xs text-slate-500">Reference: {error.digest}</p> : null}
          <Button onClick={reset}>Try again</Button>
        </CardBody>
      </Card>
    </div>
  );
}
