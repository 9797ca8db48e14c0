import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import { expressHandler, fastifyNotifications, nodeHttpHandler, type Receiver } from "../src/index.ts";

/** A receiver served on 127.0.0.1: where to POST, and how to stop it. */
export type Started = { url: string; close(): Promise<void> };

async function listen(server: Server): Promise<Started> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/qod`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The three built-in adapters, each serving POST /qod on a real port, as an app would mount them. */
export const adapters: Record<string, (receiver: Receiver) => Promise<Started>> = {
  "node:http": (receiver) => listen(createServer(nodeHttpHandler(receiver))),
  Express: (receiver) => {
    const app = express();
    // A JSON body parser for the rest of the app must not break the notification route.
    app.use(express.json());
    app.post("/qod", expressHandler(receiver));
    // An app's own error handler: Express's default one would print every handler failure's stack.
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).end();
    });
    return listen(createServer(app));
  },
  Fastify: async (receiver) => {
    const app = Fastify();
    app.get("/other", async () => ({ ok: true }));
    await app.register(fastifyNotifications, { receiver, path: "/qod" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/qod`,
      close: () => app.close(),
    };
  },
};
