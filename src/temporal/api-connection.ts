// The API's connection to Temporal: the SDK's Rust-core client (NativeConnection, the worker's kind) behind the
// `ConnectionLike` a `Client` takes. It costs the API's Node thread about 40 % less CPU per call than the SDK's
// default grpc-js `Connection` (signalWithStart at concurrency 16: 1.26 vs 2.15 ms; `npx tsx bench/client-cpu.ts`,
// recorded in bench/results.md).
// Core connects eagerly and has no lazy mode, so this connects on first use, shares one attempt among concurrent
// callers and tries again after a failed one: the API starts, and /readyz says 503, while Temporal is still coming
// up — as `Connection.lazy` let it.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type CallContext,
  type ConnectionLike,
  HealthService,
  type Metadata,
  OperatorService,
  WorkflowService,
} from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';

type RpcImpl = Parameters<typeof WorkflowService.create>[0];
type Service = { rpcImpl: RpcImpl | null };

/** gRPC status codes the gateway reads as "Temporal cannot take the call now" (see isTemporalUnavailable). */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/**
 * Shaped as the SDK's gRPC ServiceError (code, details, and metadata whose `get` the client reads for status
 * details), so the client's own checks recognise it and its error handling does not trip over it.
 */
function grpcError(code: number, message: string): Error {
  const metadata = { get: (): (string | Buffer)[] => [], getMap: () => ({}) };
  return Object.assign(new Error(message), { code, details: message, metadata });
}

export class ApiTemporalConnection implements ConnectionLike {
  readonly plugins = [];
  readonly workflowService: WorkflowService;
  readonly operatorService: OperatorService;
  readonly healthService: HealthService;
  readonly callContextStorage = new AsyncLocalStorage<CallContext>();
  private native?: Promise<NativeConnection>;
  /** The connection once made (what close() closes). */
  private ready?: NativeConnection;
  private closed = false;

  constructor(
    private readonly options: NativeConnectionOptions,
    /** An attempt still pending after this is dropped, so the next call tries afresh. */
    private readonly connectTimeoutMs = 10_000,
  ) {
    this.workflowService = WorkflowService.create(
      this.rpc((c) => c.workflowService),
      false,
      false,
    );
    this.operatorService = OperatorService.create(
      this.rpc((c) => c.operatorService),
      false,
      false,
    );
    this.healthService = HealthService.create(
      this.rpc((c) => c.healthService),
      false,
      false,
    );
  }

  /**
   * Every request waits for the connection, then goes out under the caller's context; the caller's deadline covers
   * both. Core retries an UNAVAILABLE call with backoff and takes the deadline per attempt, so the deadline is also
   * kept here: the caller hears DEADLINE_EXCEEDED on time (the webhooks answer 503 or queue) while core's retries
   * run out behind it — as with grpc-js, a call that timed out may still have taken effect.
   */
  private rpc(service: (c: NativeConnection) => Service): RpcImpl {
    return (method, requestData, callback) => {
      const ctx = this.callContextStorage.getStore() ?? {};
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const answer = (err: Error | null, res?: Uint8Array) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        callback(err, res);
      };
      if (ctx.deadline !== undefined) {
        const left = new Date(ctx.deadline).getTime() - Date.now();
        timer = setTimeout(() => answer(grpcError(DEADLINE_EXCEEDED, 'Temporal call deadline exceeded')), left);
      }
      this.connected().then(
        (native) =>
          native.callContextStorage.run(ctx, () => {
            const impl = service(native).rpcImpl;
            if (!impl) return answer(grpcError(UNAVAILABLE, 'Temporal connection closed'));
            impl(method, requestData, answer as Parameters<RpcImpl>[2]);
          }),
        (err: Error) => answer(err),
      );
    };
  }

  private connected(): Promise<NativeConnection> {
    if (this.closed) return Promise.reject(grpcError(UNAVAILABLE, 'Temporal connection closed'));
    return (this.native ??= this.connect());
  }

  private connect(): Promise<NativeConnection> {
    const attempt = new Promise<NativeConnection>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(grpcError(UNAVAILABLE, `no connection to Temporal within ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      ).unref();
      NativeConnection.connect(this.options).then(
        (c) => {
          clearTimeout(timer);
          // Closed or timed out meanwhile: nobody will use it.
          if (this.closed || this.native !== attempt) void c.close().catch(() => undefined);
          else this.ready = c;
          resolve(c);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(grpcError(UNAVAILABLE, `Failed to connect to Temporal: ${(err as Error)?.message ?? err}`));
        },
      );
    });
    // A failed attempt is forgotten, so the next call dials again.
    attempt.catch(() => {
      if (this.native === attempt) this.native = undefined;
    });
    return attempt;
  }

  async ensureConnected(): Promise<void> {
    await this.connected();
  }

  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    return this.callContextStorage.run({ ...this.callContextStorage.getStore(), deadline }, fn);
  }

  withMetadata<R>(metadata: Metadata, fn: () => Promise<R>): Promise<R> {
    const cc = this.callContextStorage.getStore();
    return this.callContextStorage.run({ ...cc, metadata: { ...cc?.metadata, ...metadata } }, fn);
  }

  /** Core does not cancel a request under way (the SDK's NativeConnection ignores the signal too); deadlines do. */
  withAbortSignal<R>(abortSignal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    return this.callContextStorage.run({ ...this.callContextStorage.getStore(), abortSignal }, fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.native = undefined;
    // One still being made is closed as it arrives (see connect): shutting down does not wait for a dead frontend.
    const ready = this.ready;
    this.ready = undefined;
    await ready?.close();
  }
}
