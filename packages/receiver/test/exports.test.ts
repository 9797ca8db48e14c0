import assert from "node:assert/strict";
import { test } from "node:test";
import * as receiver from "../src/index.ts";

// The types a user names, pinned at compile time: removing one from src/index.ts fails `tsc -b`.
export type PublicTypes = [
  receiver.IncomingNotification,
  receiver.ParseResult,
  receiver.QodEvent,
  receiver.ReceiveResult,
  receiver.Receiver,
  receiver.ReceiverOptions,
  receiver.ReceiverState,
  receiver.Refusal,
  receiver.RefusalHeaders,
  receiver.RefusalReason,
  receiver.Rejection,
  receiver.RequestHead,
];

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
