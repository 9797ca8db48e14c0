export { checkBearer } from "./auth.ts";
export { expressHandler } from "./express.ts";
export { fastifyNotifications } from "./fastify.ts";
export { nodeHttpHandler, readBody } from "./node-http.ts";
export { isJsonContentType, type ParseResult, parseNotification, QOS_STATUS_CHANGED_TYPES } from "./parse.ts";
export {
  createReceiver,
  type IncomingNotification,
  type Receiver,
  type ReceiverOptions,
  type RequestHead,
} from "./receiver.ts";
export { MemoryReceiverState, type ReceiverState } from "./state.ts";
export type {
  QodEvent,
  ReceiveResult,
  Refusal,
  RefusalHeaders,
  RefusalReason,
  Rejection,
} from "./types.ts";
