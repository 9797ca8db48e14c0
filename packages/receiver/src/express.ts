import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, tooLarge } from "./node-http.ts";
import type { Receiver } from "./receiver.ts";

/** The parts of an Express request this adapter uses; Express is not a dependency. */
interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
  /** The bytes a JSON parser read, when the app keeps them (`express.json({ verify })`). */
  rawBody?: unknown;
  /** The URL before any router stripped its mount path. */
  originalUrl?: string;
}

/**
 * Express middleware for a notification route: `app.post("/qod", expressHandler(receiver))`. Mount it
 * before (or instead of) `express.json()` for that route: the token and the body are checked on the raw
 * bytes. If a raw-body parser already ran (`express.raw({ type: "*\/*" })`), its Buffer is used, and so
 * is `req.rawBody` when a JSON parser kept it (`express.json({ verify: (req, _res, buf) => { req.rawBody
 * = buf } })`): webhook signatures are over the exact bytes.
 */
export function expressHandler(receiver: Receiver) {
  return async (
    req: ExpressLikeRequest,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): Promise<void> => {
    try {
      let body: Buffer | string | null;
      if (Buffer.isBuffer(req.body) || typeof req.body === "string") body = req.body;
      else if (Buffer.isBuffer(req.rawBody)) body = req.rawBody;
      else if (req.readableEnded) {
        // A JSON parser consumed the stream: the original bytes are gone, re-serialise what it parsed.
        // OpenQoD's bodies are compact JSON.stringify output, which this gives back byte for byte, so
        // their signatures still hold; another sender's spacing would not.
        body = JSON.stringify(req.body ?? null);
      } else body = await readBody(req);
      const head = { headers: req.headers, method: req.method, url: req.originalUrl ?? req.url };
      if (body === null) {
        res.writeHead(413).end();
        receiver.refused(head, tooLarge);
        return;
      }
      const result = await receiver.receive({ body, ...head });
      res.writeHead(result.status).end();
      await result.after();
    } catch (error) {
      next(error);
    }
  };
}
