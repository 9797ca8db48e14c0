/**
 * A Network-as-Code QoD notification receiver for Node, with no dependencies: the seed's FastAPI
 * receiver, corrected. It reads the token from the Authorization *header*, compares it in constant
 * time, refuses strangers with 401 (the seed answers them 200), and answers 204 before doing any work.
 *
 *   QOD_TOKEN=my-token PORT=8080 node --import tsx examples/nac-receiver.ts
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

interface EventDetail {
  sessionId: string;
  qosStatus: "AVAILABLE" | "UNAVAILABLE";
  statusInfo: string;
}

/** The seed's `Notification` model. */
interface Notification {
  id: string;
  source: string;
  type: string;
  specversion: string;
  datacontenttype: string;
  time: string;
  event: { eventType: string; eventTime: string; eventDetail: EventDetail };
  data: EventDetail;
}

const expected = `Bearer ${process.env.QOD_TOKEN ?? "my-token"}`;
const digest = (text: string) => createHash("sha256").update(text).digest();

/** Constant-time comparison: hashing first makes both sides the same length. */
function authorized(header: string | undefined): boolean {
  return header !== undefined && timingSafeEqual(digest(header), digest(expected));
}

function isNotification(value: unknown): value is Notification {
  const n = value as Partial<Notification> | null;
  return (
    typeof n?.id === "string" &&
    typeof n.source === "string" &&
    typeof n.data?.sessionId === "string" &&
    typeof n.data.qosStatus === "string" &&
    typeof n.event?.eventType === "string"
  );
}

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/qod") {
    res.writeHead(404).end();
    return;
  }
  if (!authorized(req.headers.authorization)) {
    res.writeHead(401).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!isNotification(body)) {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(204).end();
    // React to the notification here, after answering: the sender does not wait for your work.
    process.stdout.write(`${JSON.stringify({ id: body.id, ...body.data })}\n`);
  });
});

server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${Number(process.env.PORT ?? 8080)}/qod\n`);
});
