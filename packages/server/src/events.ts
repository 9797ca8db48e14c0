import { EventEmitter } from "node:events";
import type { NefAttempt } from "./network/nef/client.ts";

/**
 * What the workers report. The core never logs: main.ts subscribes to log, and metrics.ts to count.
 */
export interface WorkerEventMap {
  "delivery:attempt": [
    {
      eventId: string;
      sessionId: string;
      sink: string;
      statusCode: number | null;
      outcome: string;
      durationMs: number;
      latencyMs: number;
      error: string | null;
    },
  ];
  "scheduler:processed": [{ count: number; latenessMs: number }];
  /** One transaction of the outbox sweeper: settled events past retention deleted, with their attempts. */
  "retention:swept": [{ events: number; attempts: number }];
  /** One attempt of a call to the NEF (or its token endpoint): never a header, body or token. */
  "nef:request": [NefAttempt];
  "worker:error": [{ worker: "scheduler" | "dispatcher" | "retention" | "database"; error: unknown }];
}

export class WorkerEvents extends EventEmitter<WorkerEventMap> {}
