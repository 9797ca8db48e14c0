/**
 * The seed's whole flow in TypeScript: a client with an app key, a device, a QoD session with a
 * notification URL and token, the device's sessions, and a web server that receives the session's
 * notifications and checks their token. Against the OpenQoD sandbox by default:
 *
 *   npm start                                   # in another terminal: the sandbox, prints its key
 *   OPENQOD_TOKEN=oqd_… node --import tsx examples/seed-flow.ts
 */
import { timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { NetworkAsCodeClient, type QodSession } from "@openqod/sdk";

const AUTH_TOKEN = "replace-with-your-auth-token";
const seen: string[] = [];
let onNotification: () => void = () => {};

// A web server for the notifications. Only requests with our token count; strangers get 401.
const receiver = createServer((req, res) => {
  const expected = Buffer.from(`Bearer ${AUTH_TOKEN}`);
  const got = Buffer.from(req.headers.authorization ?? "");
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    res.writeHead(401).end();
    return;
  }
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on("end", () => {
    res.writeHead(204).end();
    const event = JSON.parse(body) as { data: { sessionId: string; qosStatus: string; statusInfo?: string } };
    seen.push(`${event.data.qosStatus}${event.data.statusInfo ? `/${event.data.statusInfo}` : ""}`);
    console.log("notification:", event.data);
    onNotification();
  });
});
await new Promise<void>((resolve) => receiver.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
const notificationUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/qod`;

/** Resolves when `count` notifications have arrived (or rejects after 10 s). */
function notifications(count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${seen.length} of ${count} notifications arrived`)),
      10_000,
    );
    onNotification = () => {
      if (seen.length >= count) {
        clearTimeout(timer);
        resolve();
      }
    };
    onNotification();
  });
}

// Begin by creating a client for Network as Code (here: the OpenQoD sandbox).
const client = new NetworkAsCodeClient({
  token: process.env.OPENQOD_TOKEN ?? "<your-application-key-here>",
  baseUrl: process.env.OPENQOD_URL ?? "http://127.0.0.1:9091",
});

// Then, create a device object with its identifiers and current IP address(es).
const myDevice = client.devices.get({
  networkAccessIdentifier: "device@testcsp.net",
  ipv4Address: { publicAddress: "233.252.0.2", privateAddress: "192.0.2.25", publicPort: 80 },
  ipv6Address: "2001:db8:1234:5678:9abc:def0:fedc:ba98",
  // The phone number accepts the "+" sign, but not spaces or "()" marks.
  phoneNumber: "36721601234567",
});

let mySession: QodSession | undefined;
try {
  // Create a QoD session with QOS_L (large bandwidth) and get notifications.
  mySession = await myDevice.createQodSession({
    serviceIpv4: "233.252.0.2",
    serviceIpv6: "2001:db8:1234:5678:9abc:def0:fedc:ba98",
    profile: "QOS_L",
    duration: 3600,
    notificationUrl,
    notificationAuthToken: AUTH_TOKEN,
  });
  console.log(`session ${mySession.id}: ${mySession.status} until ${mySession.expiresAt?.toISOString()}`);

  // Show a list of all the QoD sessions associated with the device.
  console.log(await myDevice.sessions());
  await notifications(1);

  await mySession.delete();
  await notifications(2);
  console.log(`received: ${seen.join(", ")}`);
} finally {
  receiver.close();
}
