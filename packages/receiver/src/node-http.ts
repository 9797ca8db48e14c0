import type { IncomingMessage, ServerResponse } from "node:http";
import type { Receiver, Verdict } from "./receiver.ts";
import { pathOf } from "./refusal.ts";

/** Largest notification body read (bytes); a QoD notification is well under 2 KiB. */
const MAX_BODY = 64 * 1024;

/** What every adapter reports for a body over its limit. */
export const tooLarge = {
  status: 413,
  reason: "too-large",
  message: `the body is larger than ${MAX_BODY} bytes`,
} as const;

/**
 * Reads a request body, up to `limit` bytes. Resolves null when it is larger, once the rest has been
 * read and dropped: destroying the request would close the socket before the 413 could be sent.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * A `node:http` request listener for a notification endpoint:
 * `createServer(nodeHttpHandler(receiver, { path: "/qod" }))`, or call it from your own router.
 * Another method is 405, a body over 64 KiB 413, and with `path` another path 404 (each reported to
 * `onRefused`). A handler failure with `awaitHandler` answers 500, so the sender retries.
 */
export function nodeHttpHandler(
  receiver: Receiver,
  options: {
    /** Serve this path only (compared without the query string). @default every path */
    path?: string;
  } = {},
) {
  const { path } = options;
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (path !== undefined && pathOf(req.url ?? "") !== path) {
      res.writeHead(404).end();
      receiver.refused(req, {
        status: 404,
        reason: "unknown-path",
        message: `listening on ${path} only`,
      });
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      receiver.refused(req, {
        status: 405,
        reason: "method-not-allowed",
        message: `${req.method ?? "(no method)"} is not allowed; notifications are POSTed`,
      });
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
        receiver.refused(req, tooLarge);
        return;
      }
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const answer = (result: Verdict) => {
        res.writeHead(result.status).end();
        return result.after();
      };
      let verdict: Verdict | Promise<Verdict>;
      try {
        verdict = receiver.receiveNow({ body, headers: req.headers, method: req.method, url: req.url });
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
