import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionEventFeed } from "../src/service/session-event-feed.ts";
import type { SessionEventRepository } from "../src/store/session-events.ts";

test("a feed whose start failed (the database did not answer) starts again for the next subscriber", async () => {
  let calls = 0;
  const events = {
    lastSeq: async () => {
      calls++;
      if (calls === 1) throw new Error("connection refused");
      return 7;
    },
    after: async () => [],
  } as unknown as SessionEventRepository;
  const feed = new SessionEventFeed(events, { pollMs: 60_000 });
  await assert.rejects(
    feed.subscribe(() => undefined),
    /connection refused/,
  );
  const unsubscribe = await feed.subscribe(() => undefined);
  assert.equal(calls, 2, "the second subscriber read the starting point again");
  unsubscribe();
  feed.stop();
});
