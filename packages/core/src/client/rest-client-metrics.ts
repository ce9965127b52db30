/**
 * The hook through which a {@link KubeClient} reports each request it sends, in the shape of
 * client-go's tools/metrics adapters (`RequestResult.Increment(code, method, host)` and
 * `RequestLatency.Observe(verb, url, latency)`). The client knows no metrics library: a manager
 * plugs in prom-client collectors (`restClientMetrics` in `metrics/`); the default does nothing.
 */
import { ApiStatusError } from './errors.js';
import type { RestRequest, RestResponse, RestTransport } from './transport.js';
import type { Readable } from 'node:stream';

/** One finished request to the API server. */
export interface RestRequestResult {
  /** The HTTP method (client-go's `method` / `verb` label). */
  method: RestRequest['method'];
  /** The server's `host:port`, as client-go's `host` label (`url.Host`). */
  host: string;
  /** The HTTP status code, or `<error>` when no response came back (as client-go's updateURLMetrics). */
  code: string;
  /** Seconds from sending the request until its response was read (the head, for streams). */
  durationSeconds: number;
}

/** Receives every request a {@link KubeClient} completes. Must not throw; called synchronously. */
export interface RestClientMetrics {
  observeRequest(result: RestRequestResult): void;
}

/** The default hook: records nothing. */
export const noopRestClientMetrics: RestClientMetrics = { observeRequest: () => undefined };

/** The status code a failed request reports: the server's, else `<error>` (network, abort). */
function codeOf(err: unknown): string {
  return err instanceof ApiStatusError && err.code > 0 ? String(err.code) : '<error>';
}

/**
 * A {@link RestTransport} reporting every request of `inner` to the sinks `sinks()` returns at
 * completion time (so sinks attached later see later requests).
 */
export class MeteredTransport implements RestTransport {
  constructor(
    private readonly inner: RestTransport,
    private readonly host: string,
    private readonly sinks: () => Iterable<RestClientMetrics>,
  ) {}

  async request(req: RestRequest): Promise<RestResponse> {
    const start = performance.now();
    try {
      const res = await this.inner.request(req);
      this.report(req, String(res.status), start);
      return res;
    } catch (err) {
      this.report(req, codeOf(err), start);
      throw err;
    }
  }

  async stream(req: RestRequest): Promise<Readable> {
    const start = performance.now();
    try {
      const res = await this.inner.stream(req);
      // a stream that opened answered 2xx; the transport does not expose the exact code
      this.report(req, '200', start);
      return res;
    } catch (err) {
      this.report(req, codeOf(err), start);
      throw err;
    }
  }

  private report(req: RestRequest, code: string, start: number): void {
    const result: RestRequestResult = {
      method: req.method,
      host: this.host,
      code,
      durationSeconds: (performance.now() - start) / 1000,
    };
    for (const sink of this.sinks()) {
      try {
        sink.observeRequest(result);
      } catch {
        // a broken metrics sink must never fail an API call
      }
    }
  }
}
