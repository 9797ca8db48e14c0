import type { IncomingMessage, ServerResponse } from "node:http";
import type { Receiver, Verdict } from "./receiver.ts";

/** Largest notification body read (bytes); a QoD notification is well under 2 KiB. */
const MAX_BODY = 64 * 1024;

/** Reads a request body, up to `limit` bytes. Resolves null when it is larger. */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * A `node:http` request listener for a notification endpoint:
 * `createServer(nodeHttpHandler(receiver))`, or call it from your own router for one path.
 * A handler failure with `awaitHandler` answers 500, so the sender retries.
 */
export function nodeHttpHandler(receiver: Receiver) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    // Collected with plain callbacks: this is the hot path, and a promise per chunk costs.
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const answer = (result: Verdict) => {
        res.writeHead(result.status).end();
        return result.after();
      };
      let verdict: Verdict | Promise<Verdict>;
      try {
        verdict = receiver.receiveNow({ body, headers: req.headers });
      } catch {
        res.writeHead(500).end();
        return;
      }
      if (verdict instanceof Promise) {
        verdict.then(answer, () => {
          res.writeHead(500).end();
        });
      } else void answer(verdict);
    });
  };
}
