// OpenTelemetry traces of API calls: a span per request with children for admission, the credit
// hold, the upstream call and settlement, carrying the request id and account id (never content).
// Exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. When it is not, nothing is
// loaded and every helper here returns before touching the OpenTelemetry API.
import type { Attributes, Span, Tracer } from "@opentelemetry/api";
import { env } from "@/lib/env";

interface TracingState {
  tracer: Tracer;
  api: typeof import("@opentelemetry/api");
  shutdown(): Promise<void>;
}

type G = typeof globalThis & { __tollgateTracing?: TracingState | null; __tollgateTracingInit?: Promise<void> };
const g = globalThis as G;

/** Starts the exporter once per process (idempotent). Returns whether tracing is on. */
export async function initTracing(opts: { endpoint?: string; serviceName?: string; processor?: "batch" | "simple" } = {}): Promise<boolean> {
  const endpoint = opts.endpoint ?? env().OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) {
    g.__tollgateTracing ??= null;
    return false;
  }
  g.__tollgateTracingInit ??= (async () => {
    const api = await import("@opentelemetry/api");
    const { NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace-node");
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    const { resourceFromAttributes } = await import("@opentelemetry/resources");
    const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` });
    const processor = opts.processor === "simple" ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ "service.name": opts.serviceName ?? env().OTEL_SERVICE_NAME }),
      spanProcessors: [processor],
    });
    provider.register();
    g.__tollgateTracing = { api, tracer: provider.getTracer("tollgate"), shutdown: () => provider.shutdown() };
  })();
  await g.__tollgateTracingInit;
  return true;
}

export function tracingEnabled(): boolean {
  return Boolean(g.__tollgateTracing);
}

/** Flushes and stops the exporter (drain, tests). */
export async function shutdownTracing(): Promise<void> {
  const t = g.__tollgateTracing;
  g.__tollgateTracing = undefined;
  g.__tollgateTracingInit = undefined;
  await t?.shutdown();
}

/** A span handle that is a no-op when tracing is off. */
export interface TraceSpan {
  set(attrs: Attributes): void;
  /** Marks the span failed (status ERROR) with the error's code or name, never its message text. */
  fail(code: string): void;
  child(name: string, attrs?: Attributes, startTime?: number): TraceSpan;
  end(endTime?: number): void;
}

const NOOP: TraceSpan = { set: () => undefined, fail: () => undefined, child: () => NOOP, end: () => undefined };

function wrap(state: TracingState, span: Span): TraceSpan {
  return {
    set: (attrs) => span.setAttributes(attrs),
    fail: (code) => {
      span.setAttribute("tollgate.error_code", code);
      span.setStatus({ code: state.api.SpanStatusCode.ERROR, message: code });
    },
    child: (name, attrs, startTime) => {
      const ctx = state.api.trace.setSpan(state.api.context.active(), span);
      return wrap(state, state.tracer.startSpan(name, { attributes: attrs, startTime: startTime !== undefined ? toHrTime(startTime) : undefined }, ctx));
    },
    end: (endTime) => span.end(endTime !== undefined ? toHrTime(endTime) : undefined),
  };
}

/** performance.now() milliseconds → epoch milliseconds, which OpenTelemetry accepts as a time. */
function toHrTime(perfMs: number): number {
  return performance.timeOrigin + perfMs;
}

/** The root span of one API request. */
export function startRequestSpan(name: string, attrs: Attributes, startTime?: number): TraceSpan {
  const state = g.__tollgateTracing;
  if (!state) return NOOP;
  return wrap(state, state.tracer.startSpan(name, { kind: state.api.SpanKind.SERVER, attributes: attrs, startTime: startTime !== undefined ? toHrTime(startTime) : undefined }));
}
