import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/** Decides the answer to each request: a status, optional headers and body, and a delay before answering. */
export type Responder = (
  request: ReceivedRequest,
) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | "hang";

/** A real HTTP server on 127.0.0.1 that records every request it gets: a webhook sink for tests. */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder = () => ({ status: 204 });
  readonly #server: Server;
  readonly #waiters: Array<() => void> = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(port = 0): Promise<TestReceiver> {
    let receiver: TestReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {}
        const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, json };
        const answer = receiver!.respond(request);
        receiver!.requests.push(request);
        for (const wake of receiver!.#waiters.splice(0)) wake();
        if (answer === "hang") return;
        const reply = () => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body);
        };
        if (answer.delayMs) setTimeout(reply, answer.delayMs);
        else reply();
      });
    });
    receiver = new TestReceiver(server);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/notifications`;
  }

  /** Bodies of the requests received so far, parsed. */
  get events(): Array<{
    id: string;
    type: string;
    data: { sessionId: string; qosStatus: string; statusInfo?: string };
  }> {
    return this.requests.map((r) => r.json as never);
  }

  /** Resolves once `count` requests have arrived; rejects after `timeoutMs` (a bound, not a budget). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`receiver got ${this.requests.length} of ${count} requests`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
