import assert from "node:assert/strict";
import { test } from "node:test";
import * as receiver from "../src/index.ts";

test("the package root exports exactly its public surface", () => {
  assert.deepEqual(Object.keys(receiver).sort(), [
    "MemoryReceiverState",
    "QOS_STATUS_CHANGED_TYPES",
    "checkBearer",
    "createReceiver",
    "expressHandler",
    "fastifyNotifications",
    "isJsonContentType",
    "nodeHttpHandler",
    "parseNotification",
    "readBody",
  ]);
});
