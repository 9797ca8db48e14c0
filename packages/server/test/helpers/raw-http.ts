import net from "node:net";

/** One HTTP/1.1 answer read off a raw socket, or what happened instead. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection after this answer (FIN), as `Connection: close` promises. */
  closedByServer: boolean;
}

/** What a raw connection saw instead of an answer: a reset, a timeout, or a close before a full answer. */
export class NoAnswer extends Error {}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * A keep-alive HTTP/1.1 client over node:net that sends bytes exactly as given, so requests no HTTP
 * client would send (control characters, raw bytes, broken framing) reach the server. One request at
 * a time; after an answer with `Connection: close` the next `send` opens a new connection.
 */
export class RawClient {
  #socket: net.Socket | null = null;
  #buffer = Buffer.alloc(0);
  #ended = false;
  #failure: Error | null = null;
  #wake: (() => void) | null = null;
  readonly #port: number;

  constructor(port: number) {
    this.#port = port;
  }

  async #connect(): Promise<net.Socket> {
    const socket = net.connect(this.#port, "127.0.0.1");
    this.#socket = socket;
    this.#buffer = Buffer.alloc(0);
    this.#ended = false;
    this.#failure = null;
    // A socket closed earlier still reports its close: only the current one's events count.
    const mine = () => socket === this.#socket;
    socket.on("data", (chunk: Buffer) => {
      if (!mine()) return;
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    const ended = () => {
      if (!mine()) return;
      this.#ended = true;
      this.#wake?.();
    };
    socket.on("end", ended).on("close", ended);
    socket.on("error", (error) => {
      if (!mine()) return;
      this.#failure = error;
      this.#wake?.();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return socket;
  }

  /** Sends `bytes` and reads one answer. `head`: the answer to a HEAD has no body. @throws NoAnswer */
  async send(
    bytes: Buffer | string,
    options: { head?: boolean; timeoutMs?: number } = {},
  ): Promise<RawAnswer> {
    if (this.#socket === null || this.#ended || this.#failure !== null) {
      this.close();
      this.#socket = await this.#connect();
    }
    const socket = this.#socket;
    socket.write(bytes, () => {});
    const deadline = Date.now() + (options.timeoutMs ?? 5_000);
    for (;;) {
      const answer = this.#parse(options.head === true);
      if (answer !== null) {
        if (answer.headers.connection?.toLowerCase() === "close") {
          // The promise of Connection: close is a FIN after the answer, not a reset.
          while (!this.#ended && this.#failure === null) {
            if (!(await this.#nextEvent(deadline))) throw new NoAnswer("answered, but never closed");
          }
          if (this.#failure !== null) throw new NoAnswer(`reset after the answer: ${this.#failure.message}`);
          answer.closedByServer = true;
          this.close();
        }
        return answer;
      }
      if (this.#failure !== null) throw new NoAnswer(`no answer: ${this.#failure.message}`);
      if (this.#ended) throw new NoAnswer(`closed before a full answer (${this.#buffer.length} bytes)`);
      if (!(await this.#nextEvent(deadline))) throw new NoAnswer("no answer in time");
    }
  }

  /** Waits for the socket's next data, end or error; false when `deadline` passed first. */
  #nextEvent(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), left);
      this.#wake = () => {
        this.#wake = null;
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** One complete answer off the front of the buffer (removed from it), or null if not all there yet. */
  #parse(head: boolean): RawAnswer | null {
    const end = this.#buffer.indexOf(HEADER_END);
    if (end === -1) return null;
    const [statusLine = "", ...lines] = this.#buffer.subarray(0, end).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = head ? 0 : Number(headers["content-length"] ?? 0);
    if (headers["transfer-encoding"] !== undefined && !head) {
      throw new NoAnswer(`a chunked answer, not expected here: ${statusLine}`);
    }
    if (this.#buffer.length < end + 4 + length) return null;
    const body = this.#buffer.subarray(end + 4, end + 4 + length).toString("utf8");
    this.#buffer = this.#buffer.subarray(end + 4 + length);
    return { status: Number(statusLine.split(" ")[1]), headers, body, closedByServer: false };
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }
}

/** Sends `bytes` on a connection of its own and reads the answer. @throws NoAnswer */
export async function rawRequest(port: number, bytes: Buffer | string): Promise<RawAnswer> {
  const client = new RawClient(port);
  try {
    return await client.send(bytes);
  } finally {
    client.close();
  }
}
