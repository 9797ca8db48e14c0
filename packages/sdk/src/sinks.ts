import type { Context } from "./context.ts";
import { openqodUrl } from "./openqod-only.ts";
import type { Sink } from "./types.ts";

/**
 * `client.sinks`: the health of each sink origin your notifications go to (circuit breaker state,
 * failures, recent success rate, backlog); operators pause and resume them. An OpenQoD extension.
 */
export class Sinks {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /**
   * Every sink origin your notifications go to (an operator's: every one), by origin.
   * @throws ValidationError on a target other than OpenQoD.
   */
  async list(options: { signal?: AbortSignal } = {}): Promise<Sink[]> {
    const base = openqodUrl(this.#ctx, "sinks.list");
    const { data } = await this.#ctx.transport.request<{ sinks: Sink[] }>({
      method: "GET",
      url: `${base}/notifications/v1/sinks`,
      idempotent: true,
      signal: options.signal,
    });
    return data.sinks;
  }

  /**
   * Pauses an origin (scheme://host[:port]) by hand: nothing is sent there, not even a probe, until
   * it is resumed. Needs the `openqod:operator` scope. Safe to repeat.
   * @throws ValidationError on a target other than OpenQoD; PermissionDeniedError, BadRequestError.
   */
  pause(origin: string, options: { signal?: AbortSignal } = {}): Promise<Sink> {
    return this.#post("pause", origin, options.signal);
  }

  /**
   * Resumes an origin paused by hand or by its breaker: its backlog is sent at once, in order. Needs
   * the `openqod:operator` scope. Safe to repeat.
   * @throws ValidationError on a target other than OpenQoD; PermissionDeniedError, NotFoundError
   *   (never failed nor paused), BadRequestError.
   */
  resume(origin: string, options: { signal?: AbortSignal } = {}): Promise<Sink> {
    return this.#post("resume", origin, options.signal);
  }

  async #post(action: "pause" | "resume", origin: string, signal: AbortSignal | undefined): Promise<Sink> {
    const base = openqodUrl(this.#ctx, `sinks.${action}`);
    const { data } = await this.#ctx.transport.request<Sink>({
      method: "POST",
      url: `${base}/notifications/v1/sinks/${action}`,
      body: { origin },
      idempotent: true,
      signal,
    });
    return data;
  }
}
