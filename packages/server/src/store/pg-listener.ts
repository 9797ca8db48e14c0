import pg from "pg";
import type { CommitInfo } from "./effects.ts";

/** The channel OpenQoD instances announce work on. */
export const WORK_CHANNEL = "openqod_work";

/** What a NOTIFY carries: who committed, and what kind of work it brought. */
interface News {
  /** The announcing instance, so it can ignore its own news (it has woken its workers already). */
  i: string;
  /** The outbox changed: dispatchers should look. */
  o: boolean;
  /** The earliest due time a commit set, for schedulers. */
  d: number | null;
}

export function encodeNews(instanceId: string, info: CommitInfo): string {
  const news: News = { i: instanceId, o: info.outboxChanged, d: info.earliestDueAt };
  return JSON.stringify(news);
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * One dedicated connection LISTENing for other instances' commits (a pooled connection cannot
 * listen: it goes back to the pool). If it drops, it reconnects with backoff and then wakes the
 * workers once, since news sent meanwhile was lost; the workers' own timers cover the gap.
 */
export class PgWorkListener {
  readonly #config: pg.ClientConfig;
  readonly #instanceId: string;
  readonly #onNews: (info: CommitInfo) => void;
  readonly #onError: (error: Error) => void;
  #client: pg.Client | null = null;
  #closed = false;
  #retryMs = RECONNECT_MIN_MS;
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(options: {
    config: pg.ClientConfig;
    instanceId: string;
    onNews: (info: CommitInfo) => void;
    onError: (error: Error) => void;
  }) {
    this.#config = options.config;
    this.#instanceId = options.instanceId;
    this.#onNews = options.onNews;
    this.#onError = options.onError;
  }

  /** Connects and listens. @throws the connection error (at start, the database must be reachable). */
  async start(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on("notification", (message) => this.#receive(message.payload));
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("LISTEN connection ended")));
    try {
      await client.connect();
      await client.query(`listen ${WORK_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw error;
    }
    this.#client = client;
    this.#retryMs = RECONNECT_MIN_MS;
  }

  #receive(payload: string | undefined): void {
    let news: News;
    try {
      news = JSON.parse(payload ?? "") as News;
    } catch {
      return;
    }
    if (news.i === this.#instanceId) return;
    this.#onNews({
      outboxChanged: news.o === true,
      earliestDueAt: typeof news.d === "number" ? news.d : null,
    });
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = null;
    client.removeAllListeners("end");
    client.end().catch(() => undefined);
    this.#onError(error);
    this.#reconnectLater();
  }

  #reconnectLater(): void {
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.start().then(
        // Whatever was announced while disconnected is unknown: every worker looks once.
        () => this.#onNews({ outboxChanged: true, earliestDueAt: 0 }),
        (error: Error) => {
          this.#onError(error);
          this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
          if (!this.#closed) this.#reconnectLater();
        },
      );
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = null;
    if (client !== null) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
    }
  }
}
