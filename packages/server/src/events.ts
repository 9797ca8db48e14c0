import { EventEmitter } from "node:events";
import type { RateLimitName } from "./http/rate-limits.ts";
import type { NefAttempt } from "./network/nef/client.ts";
import type { SinkTransition } from "./store/sink-breaker.ts";

/**
 * What the workers report. The core never logs: main.ts subscribes to log, and metrics.ts to count.
 */
export interface WorkerEventMap {
  "delivery:attempt": [
    {
      eventId: string;
      sessionId: string;
      sink: string;
      /** The sink's origin (scheme://host[:port]): the unit of the circuit breaker. */
      origin: string;
      /** The attempt was a paused origin's probe. */
      probe: boolean;
      statusCode: number | null;
      outcome: string;
      durationMs: number;
      latencyMs: number;
      error: string | null;
    },
  ];
  /** A sink origin paused or resumed: by its circuit breaker, a probe that got through, or an operator. */
  "sink:breaker": [SinkTransition];
  "scheduler:processed": [{ count: number; latenessMs: number }];
  /** One transaction of the outbox sweeper: settled events past retention deleted, with their attempts. */
  "retention:swept": [{ events: number; attempts: number }];
  /** One attempt of a call to the NEF (or its token endpoint): never a header, body or token. */
  "nef:request": [NefAttempt];
  /** A release attempted in the network: `error` null once the network confirmed it. */
  "network:release": [{ sessionId: string; attempts: number; error: string | null; durationMs?: number }];
  /** One reconciliation with the network (scheduler/reconcile.ts). */
  "network:reconciled": [{ orphaned: number; lost: number }];
  /** An event the network reported on its own, and what became of it. */
  "network:event": [{ sessionId: string; kind: string; outcome: string; detail: string | null }];
  /** A request refused with a 429 by one of the rate limits (http/rate-limits.ts). */
  "http:rate-limited": [{ limit: RateLimitName }];
  "worker:error": [
    {
      worker: "scheduler" | "dispatcher" | "retention" | "database" | "network" | "identity-provider";
      error: unknown;
    },
  ];
}

export class WorkerEvents extends EventEmitter<WorkerEventMap> {}
