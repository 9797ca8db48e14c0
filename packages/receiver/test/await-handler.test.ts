import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { createReceiver, type QodEvent, type Receiver, type ReceiverOptions } from "../src/index.ts";
import { adapters, type Started } from "./servers.ts";

const notification = (id: string) =>
  JSON.stringify({
    id,
    source: "https://api.example.com/qod/v1/sessions/x",
    type: "org.camaraproject.quality-on-demand.v1.qos-status-changed",
    specversion: "1.0",
    datacontenttype: "application/json",
    time: "2026-06-01T12:00:00Z",
    data: { sessionId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", qosStatus: "AVAILABLE" },
  });

/** What a sender sees: the status of one real POST. */
async function deliver(url: string, id: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: "Bearer rx-token", "content-type": "application/cloudevents+json" },
    body: notification(id),
  });
  await response.arrayBuffer();
  return response.status;
}

/** A promise and the function that settles it, to hold a handler until the test lets it go. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const closed = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { closed, open, fail };
}

/**
 * Counts the requests that reached the receiver core, so a test knows a duplicate is inside the
 * receiver (not still on the wire) before it lets the first one's handler finish.
 */
function counted(receiver: Receiver) {
  let arrived = 0;
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const arrive = () => {
    arrived++;
    for (const w of waiting.filter((w) => w.count <= arrived)) w.resolve();
  };
  return {
    receiver: {
      ...receiver,
      receive: (request) => {
        arrive();
        return receiver.receive(request);
      },
      receiveNow: (request) => {
        arrive();
        return receiver.receiveNow(request);
      },
    } satisfies Receiver,
    arrivals: (count: number) =>
      count <= arrived ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve })),
  };
}

for (const [name, start] of Object.entries(adapters)) {
  describe(`${name} adapter with awaitHandler: an event counts as received once its handler succeeded`, () => {
    let server: Started | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    async function serve(onEvent: ReceiverOptions["onEvent"], skipped: string[] = []) {
      const core = counted(
        createReceiver({
          tokens: ["rx-token"],
          awaitHandler: true,
          onEvent,
          onSkipped: (result) => void skipped.push(result.kind),
        }),
      );
      server = await start(core.receiver);
      return { url: server.url, arrivals: core.arrivals };
    }

    test("a failed handler answers 500, and the sender's retry runs it again", async () => {
      const runs: string[] = [];
      const { url } = await serve((event) => {
        runs.push(event.id);
        if (runs.length === 1) throw new Error("database down");
      });
      assert.equal(await deliver(url, "e1"), 500);
      assert.equal(await deliver(url, "e1"), 204);
      assert.deepEqual(runs, ["e1", "e1"]);
    });

    test("once its handler succeeded, a retry is a 204 duplicate and the handler does not run again", async () => {
      const runs: string[] = [];
      const skipped: string[] = [];
      const { url } = await serve((event) => void runs.push(event.id), skipped);
      assert.deepEqual([await deliver(url, "e2"), await deliver(url, "e2")], [204, 204]);
      assert.deepEqual(runs, ["e2"]);
      assert.deepEqual(skipped, ["duplicate"]);
    });

    test("a duplicate arriving while the first is in its handler waits for it; the handler runs once", async () => {
      const runs: QodEvent[] = [];
      const held = gate();
      const skipped: string[] = [];
      const { url, arrivals } = await serve(async (event) => {
        runs.push(event);
        await held.closed;
      }, skipped);
      const answers: string[] = [];
      const first = deliver(url, "e3").then((status) => answers.push(`first ${status}`));
      const second = deliver(url, "e3").then((status) => answers.push(`second ${status}`));
      try {
        await arrivals(2);
        // Both are inside the receiver, and neither may be acknowledged before the handler succeeded: a
        // bounded wait for an early answer, since what is checked is that none comes.
        await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 100))]);
        assert.deepEqual(answers, []);
      } finally {
        held.open();
      }
      await Promise.all([first, second]);
      assert.deepEqual(answers.sort(), ["first 204", "second 204"]);
      assert.equal(runs.length, 1);
      assert.deepEqual(skipped, ["duplicate"]);
    });

    test("a duplicate of an event whose handler then fails gets 500 too, and the next retry runs it", async () => {
      const runs: string[] = [];
      const held = gate();
      const { url, arrivals } = await serve(async (event) => {
        runs.push(event.id);
        if (runs.length === 1) await held.closed;
      });
      const both = Promise.all([deliver(url, "e4"), deliver(url, "e4")]);
      await arrivals(2);
      held.fail(new Error("database down"));
      assert.deepEqual(await both, [500, 500]);
      assert.deepEqual(runs, ["e4"]);
      assert.equal(await deliver(url, "e4"), 204);
      assert.deepEqual(runs, ["e4", "e4"]);
    });
  });
}
