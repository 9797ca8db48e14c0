/**
 * What Standard Webhooks signatures cost per notification: the server's signer (per attempt, secrets
 * cached) with no, one and two secrets, and `@openqod/receiver`'s verification of one signature. A
 * CPU-only microbenchmark, no network: `node --import tsx bench/webhook-signatures.ts [attempts]`.
 */
import { createReceiver } from "../packages/receiver/src/index.ts";
import { WebhookSigner } from "../packages/server/src/delivery/webhook-signer.ts";
import type { ClaimedDelivery } from "../packages/server/src/store/types.ts";

const ATTEMPTS = Math.min(Number(process.argv[2] ?? 200_000), 2_000_000);
const SESSION = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
// The CloudEvent OpenQoD sends for an AVAILABLE session, as compact as it is written.
const body = JSON.stringify({
  id: "0193a5b2-4c1e-7a10-9b2c-3d4e5f607182",
  source: `https://api.example.com/quality-on-demand/v1/sessions/${SESSION}`,
  type: "org.camaraproject.quality-on-demand.v1.qos-status-changed",
  specversion: "1.0",
  datacontenttype: "application/json",
  time: "2026-06-01T12:00:00Z",
  data: { sessionId: SESSION, qosStatus: "AVAILABLE" },
});
const secret = (fill: number) => `whsec_${Buffer.alloc(32, fill).toString("base64")}`;
const delivery = { eventId: "0193a5b2-4c1e-7a10-9b2c-3d4e5f607182", body, clientId: "c" } as ClaimedDelivery;

async function perCall(run: () => unknown): Promise<number> {
  await run();
  const started = performance.now();
  for (let i = 0; i < ATTEMPTS; i++) await run();
  return ((performance.now() - started) * 1000) / ATTEMPTS;
}

const now = Date.now();
for (const [name, secrets] of [
  ["sign, unsigned client", []],
  ["sign, 1 secret", [secret(1)]],
  ["sign, 2 secrets (rotation)", [secret(1), secret(2)]],
] as const) {
  const signer = new WebhookSigner({
    secrets: async () => secrets.map((s) => ({ secret: s, retiresAt: null })),
  });
  console.log(`${name}: ${(await perCall(() => signer.headersFor(delivery, now))).toFixed(2)} µs`);
}
const headers = await new WebhookSigner({
  secrets: async () => [{ secret: secret(1), retiresAt: null }],
}).headersFor(delivery, now);
const receiver = createReceiver({ tokens: [], webhookSecret: secret(1), onEvent: () => undefined });
const request = {
  body: Buffer.from(body),
  headers: { ...headers, "content-type": "application/cloudevents+json" },
};
const plain = createReceiver({ tokens: [], onEvent: () => undefined });
// The same event id every time: after the first, each is a duplicate, so only the checks are measured.
console.log(`receive, unsigned receiver: ${(await perCall(() => plain.receiveNow(request))).toFixed(2)} µs`);
console.log(
  `receive, verifying 1 signature: ${(await perCall(() => receiver.receiveNow(request))).toFixed(2)} µs`,
);
console.log(`(${ATTEMPTS} calls each, ${Buffer.byteLength(body)}-byte body, ${process.version})`);
