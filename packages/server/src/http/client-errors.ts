import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import { ApiError, type ErrorInfo } from "../errors.ts";
import { usableCorrelator } from "./correlator.ts";
import { MAX_HEADER_SIZE } from "./limits.ts";

/**
 * How long a connection we answered and closed for writing keeps reading (and dropping) what the client
 * still sends. Closing a socket with unread bytes makes the kernel answer with a reset, which can destroy
 * our answer before the client reads it; 2 s is ample on any network for the client to read and close.
 */
const LINGER_MS = 2_000;

/** What Node's HTTP parser reports: llhttp's code (`HPE_*`), its reason, and the bytes it choked on. */
interface ParserError extends Error {
  code?: string | undefined;
  reason?: string | undefined;
  /** A Buffer at run time; Fastify's types say otherwise. */
  rawPacket?: unknown;
}

const rawPacketOf = (error: ParserError) => (Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined);

const answered = new WeakSet<Duplex>();

/** The request line had no end within the bytes Node's parser holds: the URL itself is what overflowed. */
function requestLineOverflowed(raw: Buffer | undefined): boolean {
  if (raw === undefined) return false;
  const head = raw.subarray(0, Math.min(raw.length, MAX_HEADER_SIZE)).toString("latin1");
  return /^[A-Z]+ /.test(head) && !head.includes("\n");
}

/** The CAMARA answer to a request Node's HTTP parser refused, by llhttp's code. */
export function clientErrorInfo(error: ParserError): ErrorInfo {
  const reason = error.reason ?? error.message;
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new ApiError("REQUEST_TIMEOUT").toInfo();
    case "HPE_HEADER_OVERFLOW":
      return requestLineOverflowed(rawPacketOf(error))
        ? new ApiError("URI_TOO_LONG", "The request URL is longer than 16 KiB.").toInfo()
        : new ApiError("REQUEST_HEADER_FIELDS_TOO_LARGE").toInfo();
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new ApiError(
        "CONTENT_TOO_LARGE",
        "The chunk extensions of the request body are too large.",
      ).toInfo();
    case "HPE_INVALID_METHOD":
      return new ApiError("INVALID_ARGUMENT", "The request method is not an HTTP method.").toInfo();
    case "HPE_INVALID_URL":
      return new ApiError(
        "INVALID_ARGUMENT",
        "The request URL is not valid: spaces, control characters and bytes above 0x7F must be percent-encoded.",
      ).toInfo();
    case "HPE_INVALID_VERSION":
      return new ApiError(
        "INVALID_ARGUMENT",
        "The request line must end with HTTP/1.1 or HTTP/1.0.",
      ).toInfo();
    case "HPE_PAUSED_H2_UPGRADE":
      return new ApiError("INVALID_ARGUMENT", "HTTP/2 without TLS is not served; use HTTP/1.1.").toInfo();
    default:
      return new ApiError("INVALID_ARGUMENT", `The request is not well-formed HTTP/1.1: ${reason}.`).toInfo();
  }
}

/** The `x-correlator` among the raw header bytes of a request Node could not parse, if it is usable. */
function correlatorIn(raw: Buffer | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const head = raw.toString("latin1");
  const end = head.indexOf("\r\n\r\n");
  const match = /\r\nx-correlator:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(
    end === -1 ? head : head.slice(0, end + 2),
  );
  return usableCorrelator(match?.[1]);
}

/**
 * Writes `info` as a complete HTTP/1.1 response and closes the connection gracefully: end (a FIN after
 * the answer), keep draining what the client sends, destroy only once it closes or after LINGER_MS.
 */
export function answerAndClose(socket: Duplex, info: ErrorInfo, correlator?: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(info);
  const head = [
    `HTTP/1.1 ${info.status} ${STATUS_CODES[info.status] ?? ""}`,
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(correlator === undefined ? [] : [`x-correlator: ${correlator}`]),
    `Date: ${new Date().toUTCString()}`,
    "Connection: close",
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  // With the parser detached (CONNECT) nothing reads the socket; without this it would never see the FIN.
  socket.resume();
}

/**
 * Fastify's `clientErrorHandler`, called with the Fastify instance as `this`: Node's parser refused the
 * bytes (control characters, raw non-ASCII in the request line, over-long URL or headers, a timeout).
 * Node calls it again for every later chunk of that connection, so only the first call answers.
 */
export function answerClientError(this: FastifyInstance, error: ParserError, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const info = clientErrorInfo(error);
  // The one line a routed 4xx gets (logging.ts), without method or URL: the bytes did not parse, and
  // are never logged (they may carry a key).
  this.log.info({ status: info.status, code: info.code, parser: error.code }, "request refused");
  const correlator = correlatorIn(rawPacketOf(error));
  // Node's own name for the response in progress on this socket (a pipelined request's).
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  // A pipelined request broke while an earlier one's answer is pending: ours follows that answer. When the
  // pending request is the one whose body broke, ours is its answer (the route's, if any, is dropped).
  if (inFlight && !inFlight.writableFinished && inFlight.req.complete) {
    let done = false;
    const answer = () => {
      if (done) return;
      done = true;
      answerAndClose(socket, info, correlator);
    };
    inFlight.once("finish", answer).once("close", answer);
    return;
  }
  answerAndClose(socket, info, correlator);
}

/** `CONNECT`: Node hands the socket over (or resets it, with no listener). This server is no proxy. */
export function answerConnect(request: IncomingMessage, socket: Duplex): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const info = new ApiError(
    "INVALID_ARGUMENT",
    "CONNECT is not served: this server is not a proxy.",
  ).toInfo();
  answerAndClose(socket, info, usableCorrelator(request.headers["x-correlator"]));
}
