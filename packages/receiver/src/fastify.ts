import type { IncomingHttpHeaders } from "node:http";
import type { Receiver } from "./receiver.ts";

/**
 * The parts of Fastify this adapter uses; Fastify is not a dependency. Structural types keep any
 * Fastify 4 or 5 instance assignable.
 */
interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: RegExp | string,
    options: { parseAs: "buffer" },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: unknown) => void) => void,
  ): void;
  post(
    path: string,
    handler: (
      request: { body: unknown; headers: IncomingHttpHeaders; method: string; url: string },
      reply: { code(status: number): { send(): unknown } },
    ) => Promise<unknown>,
  ): unknown;
}

/**
 * A Fastify plugin serving one notification route with the raw body (its own content-type parser, so
 * your other routes keep Fastify's JSON parsing):
 * `app.register(fastifyNotifications, { receiver, path: "/qod" })`.
 */
export async function fastifyNotifications(
  app: FastifyLike,
  options: { receiver: Receiver; path: string },
): Promise<void> {
  // Inside this plugin's scope only (parsers are encapsulated): no JSON parsing, every content type
  // arrives as the raw bytes, and the receiver answers 415 to what is not JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^.*/, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  app.post(options.path, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from(String(request.body ?? ""));
    const result = await options.receiver.receive({
      body,
      headers: request.headers,
      method: request.method,
      url: request.url,
    });
    await reply.code(result.status).send();
    await result.after();
  });
}
