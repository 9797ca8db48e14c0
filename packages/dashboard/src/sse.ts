import type { SessionEvent } from "./wire.ts";

export interface StreamHandlers {
  onEvent: (event: SessionEvent) => void;
  /** Connected (true) or lost and trying again (false). */
  onState: (live: boolean) => void;
  /** The stream is open (the first time and after each reconnection): read the full state now. */
  onConnected: () => void;
  /** The credential was refused: stop, and sign in again. */
  onUnauthorized: () => void;
}

const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000];
/**
 * The server pings every 15 s: this long without a byte (a laptop that slept, a dropped network that
 * never closed the connection) means the stream is dead, though the socket does not say so.
 */
const SILENCE_MS = 45_000;

/**
 * Reads GET /notifications/v1/session-events with fetch rather than EventSource, which cannot send an
 * Authorization header (and a credential in the URL would end up in logs). Parses server-sent events
 * (id, event, data; comments are pings), resumes with Last-Event-ID, reconnects with a backoff.
 * @returns a function that stops it.
 */
export function streamSessionEvents(
  headers: () => Record<string, string>,
  handlers: StreamHandlers,
): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let lastId: string | null = null;
  let failures = 0;

  const run = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch("/notifications/v1/session-events", {
          headers: {
            ...headers(),
            accept: "text/event-stream",
            ...(lastId === null ? {} : { "last-event-id": lastId }),
          },
          signal: controller.signal,
        });
        if (response.status === 401) {
          handlers.onUnauthorized();
          return;
        }
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        failures = 0;
        handlers.onState(true);
        handlers.onConnected();
        const current = controller;
        await read(
          response.body,
          (id, data) => {
            if (id !== null) lastId = id;
            handlers.onEvent(JSON.parse(data) as SessionEvent);
          },
          () => current.abort(),
        );
      } catch {
        // lost: try again below
      }
      if (stopped) return;
      handlers.onState(false);
      const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)] ?? 15_000;
      failures++;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

/** Feeds each complete `session` event of the stream to `onEvent` until it ends or falls silent. */
async function read(
  body: ReadableStream<Uint8Array>,
  onEvent: (id: string | null, data: string) => void,
  onSilence: () => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let timer = setTimeout(onSilence, SILENCE_MS);
  for (;;) {
    const { value, done } = await reader.read().finally(() => clearTimeout(timer));
    if (done) return;
    timer = setTimeout(onSilence, SILENCE_MS);
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.search(/\r?\n\r?\n/);
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      let id: string | null = null;
      let event = "message";
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = text;
        else if (field === "event") event = text;
        else if (field === "data") data.push(text);
      }
      if (event === "session" && data.length > 0) onEvent(id, data.join("\n"));
      end = buffer.search(/\r?\n\r?\n/);
    }
  }
}
