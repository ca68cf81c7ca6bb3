/**
 * OpenTelemetry for the server: spans around every RPC request, agent step, tool call and model call
 * (GenAI semantic conventions: `invoke_agent`, `chat`, `execute_tool`), kept in the local span store for the
 * trace viewer, and exported over OTLP/HTTP only when an endpoint is configured and the egress policy allows it
 * (the models' policy: loopback by resolved address, anything else only with `allowCloud`). Metrics: request latency,
 * errors, token usage and index size, optionally served to Prometheus on a loopback port.
 */
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Config } from '../../../shared/config/schema';
import type { Logger } from '../log';
import { checkEndpointResolved, loopbackOnlyLookup } from '../security/endpoint-policy';
import { redactValue } from '../security/redact';
import { LocalSpanStore, redactedSpan } from './span-store';

/** A processor whose OTLP target can be switched on, off or elsewhere while the server runs. */
class SwitchableProcessor implements SpanProcessor {
  inner: BatchSpanProcessor | undefined;
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    // Attributes, statuses and exception events set after a span started are redacted here, before they leave.
    this.inner?.onEnd(redactedSpan(span));
  }
  async forceFlush(): Promise<void> {
    await this.inner?.forceFlush();
  }
  async shutdown(): Promise<void> {
    await this.inner?.shutdown();
  }
}

/** What the index gauges report (files and chunks of the workspace index). */
export type IndexSizeSource = () => { files: number; chunks: number } | undefined;

function createInstruments(meters: MeterProvider, version: string, indexSize: () => IndexSizeSource | undefined) {
  const meter = meters.getMeter('nootropic', version);
  const files = meter.createObservableGauge('nootropic.index.files', { description: 'files in the workspace index' });
  const chunks = meter.createObservableGauge('nootropic.index.chunks', { description: 'chunks in the workspace index' });
  meter.addBatchObservableCallback((obs) => {
    const size = indexSize()?.();
    if (!size) return;
    obs.observe(files, size.files);
    obs.observe(chunks, size.chunks);
  }, [files, chunks]);
  return {
    rpcDuration: meter.createHistogram('nootropic.rpc.duration', { unit: 'ms', description: 'LSP/JSON-RPC request latency' }),
    rpcErrors: meter.createCounter('nootropic.rpc.errors', { description: 'requests answered with an error' }),
    tokenUsage: meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'tokens per model call' }),
  };
}

let contextManagerInstalled = false;

export class Telemetry {
  readonly store = new LocalSpanStore();
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;
  private readonly otlp = new SwitchableProcessor();
  private otlpEndpoint = '';
  private otlpRefusal: string | undefined;
  private meters: MeterProvider | undefined;
  private instruments: ReturnType<typeof createInstruments> | undefined;

  constructor(
    private readonly log: Logger,
    version: string,
  ) {
    if (!contextManagerInstalled) {
      // Without a context manager, nested spans would not find their parents across awaits.
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      contextManagerInstalled = true;
    }
    const resource = resourceFromAttributes({ 'service.name': 'nootropic-lsp', 'service.version': version });
    this.provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(this.store), this.otlp] });
    this.tracer = this.provider.getTracer('nootropic', version);
    this.resource = resource;
    this.version = version;
  }

  private readonly resource: ReturnType<typeof resourceFromAttributes>;
  private readonly version: string;

  private otlpGeneration = 0;

  /**
   * Apply the telemetry settings and the workspace root (where the span store lives). Resolves with the reason
   * OTLP export was refused by the egress policy (nothing is sent then), or undefined.
   */
  configure(root: string | null, config: Config['telemetry'], allowCloud = false): Promise<string | undefined> {
    try {
      this.store.setRoot(config.enabled ? root : null);
    } catch (err) {
      this.log.warn('span store unavailable; keeping spans in memory', { error: String(err) });
      this.store.setRoot(null);
    }
    let decided: Promise<string | undefined> = Promise.resolve(this.otlpRefusal);
    const target = `${config.otlpEndpoint}|${allowCloud}`;
    if (target !== this.otlpEndpoint) {
      void this.otlp.inner?.shutdown();
      this.otlp.inner = undefined;
      this.otlpRefusal = undefined;
      this.otlpEndpoint = target;
      const generation = ++this.otlpGeneration;
      if (config.otlpEndpoint) {
        const url = `${config.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
        // The exporter is built only after the policy said yes, so a refused collector never sees a connection.
        decided = checkEndpointResolved(url, allowCloud).then(async (d) => {
          if (generation !== this.otlpGeneration) return undefined;
          if (!d.allowed) {
            this.otlpRefusal = `OTLP trace export to ${config.otlpEndpoint} refused: ${d.reason}`;
            this.log.warn('OTLP trace export refused by the egress policy', { url, reason: d.reason });
            return this.otlpRefusal;
          }
          // Without cloud use the exporter's sockets take loopback addresses only, resolved again at connect time
          // (a name that rebinds to another host after the check fails the export, it does not follow the name).
          const pinned = allowCloud ? {} : { httpAgentOptions: { keepAlive: true, lookup: loopbackOnlyLookup() } };
          // Loaded on first use (dist/lazy/otlp-http.js): most servers never export.
          const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
          if (generation !== this.otlpGeneration) return undefined;
          this.otlp.inner = new BatchSpanProcessor(new OTLPTraceExporter({ url, ...pinned }), { scheduledDelayMillis: 1_000 });
          this.log.info('exporting traces over OTLP/HTTP', { url, where: allowCloud ? 'allowed by allowCloud' : 'loopback' });
          return undefined;
        });
      }
    }
    if (!this.meters) {
      // Metric readers are fixed when the provider is built, hence `prometheusPort` needs a restart.
      const readers: MetricReader[] = [];
      if (config.prometheusPort) {
        // Loopback only: metrics describe the user's code and activity.
        readers.push(
          new PrometheusExporter({ host: '127.0.0.1', port: config.prometheusPort }, (err) => {
            if (err) this.log.warn('prometheus endpoint failed to start', { error: String(err) });
            else this.log.info('prometheus metrics on loopback', { url: `http://127.0.0.1:${config.prometheusPort}/metrics` });
          }),
        );
      }
      this.meters = new MeterProvider({ resource: this.resource, readers });
      this.instruments = createInstruments(this.meters, this.version, () => this.indexSize);
    }
    return decided;
  }

  /** Runs `fn` inside an active span; a throw marks the span ERROR and is rethrown (fn may set status itself). */
  async withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind = SpanKind.INTERNAL, parent?: Context): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind, attributes: redactValue('', attributes) as Attributes }, parent ?? context.active(), async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err instanceof Error ? err : new Error(String(err)));
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private indexSize: IndexSizeSource | undefined;

  /** Where the `nootropic.index.files` / `nootropic.index.chunks` gauges read the index size. */
  observeIndexSize(source: IndexSizeSource): void {
    this.indexSize = source;
  }

  recordRpc(method: string, ms: number, outcome: 'ok' | 'error' | 'cancelled'): void {
    this.instruments?.rpcDuration.record(ms, { 'rpc.method': method, outcome });
    if (outcome === 'error') this.instruments?.rpcErrors.add(1, { 'rpc.method': method });
  }

  recordTokens(model: string, kind: 'input' | 'output', tokens: number): void {
    this.instruments?.tokenUsage.record(tokens, { 'gen_ai.request.model': model, 'gen_ai.token.type': kind });
  }

  currentTraceId(): string | undefined {
    return trace.getActiveSpan()?.spanContext().traceId;
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
    await this.meters?.shutdown().catch(() => undefined);
  }
}
