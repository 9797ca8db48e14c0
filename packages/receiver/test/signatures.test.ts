import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { WebhookSigner } from "../../server/src/delivery/webhook-signer.ts";
import type { ClaimedDelivery } from "../../server/src/store/types.ts";
import { createReceiver, type ReceiverOptions, type Refusal } from "../src/index.ts";

const CE = "application/cloudevents+json";
const MSG_ID = "0193a5b2-4c1e-7a10-9b2c-3d4e5f607182";
/** An OpenQoD CloudEvent, compact as the server writes it. */
const body = (id = MSG_ID) =>
  JSON.stringify({
    id,
    source: "https://api.example.com/quality-on-demand/v1/sessions/3fa85f64-5717-4562-b3fc-2c963f66afa6",
    type: "org.camaraproject.quality-on-demand.v1.qos-status-changed",
    specversion: "1.0",
    datacontenttype: "application/json",
    time: "2026-06-01T12:00:00Z",
    data: { sessionId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", qosStatus: "AVAILABLE" },
  });
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** Headers signed by the reference library (standardwebhooks), `ageSeconds` ago. */
function oracleSigned(secret: string, payload: string, ageSeconds = 0, id = MSG_ID): Record<string, string> {
  const at = new Date(Date.now() - ageSeconds * 1000);
  return {
    "content-type": CE,
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, payload),
  };
}

/** What the receiver made of one request: its status, and the refusal it reported (if any). */
async function verdictOf(
  options: Partial<ReceiverOptions>,
  headers: Record<string, string>,
  payload: string | Buffer,
): Promise<{ status: number; refusal: Refusal | undefined }> {
  let refusal: Refusal | undefined;
  const receiver = createReceiver({
    tokens: [],
    onEvent: () => undefined,
    onRefused: (r) => {
      refusal = r;
    },
    ...options,
  });
  const verdict = await receiver.receive({ body: payload, headers, method: "POST", url: "/qod" });
  await verdict.after();
  return { status: verdict.status, refusal };
}

describe("Standard Webhooks verification (webhookSecret)", () => {
  test("accepts what the reference library signs, as a string or as bytes, with whsec_ or bare base64", async () => {
    const secret = newSecret();
    const payload = body();
    const headers = oracleSigned(secret, payload);
    for (const given of [secret, secret.slice("whsec_".length), [newSecret(), secret]]) {
      assert.equal((await verdictOf({ webhookSecret: given }, headers, payload)).status, 204);
      assert.equal((await verdictOf({ webhookSecret: given }, headers, Buffer.from(payload))).status, 204);
    }
  });

  test("one changed byte of the body is 401 bad-signature", async () => {
    const secret = newSecret();
    const payload = body();
    const headers = oracleSigned(secret, payload);
    const bytes = Buffer.from(payload);
    for (const at of [0, 40, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] = (changed[at] as number) ^ 0x01;
      const { status, refusal } = await verdictOf({ webhookSecret: secret }, headers, changed);
      assert.equal(status, 401, `byte ${at}`);
      assert.equal(refusal?.reason, "bad-signature");
      assert.equal(refusal?.message, "no v1 signature matches an accepted webhook secret");
    }
  });

  test("a changed webhook-id or webhook-timestamp is 401 bad-signature", async () => {
    const secret = newSecret();
    const payload = body();
    const headers = oracleSigned(secret, payload);
    for (const changed of [
      { ...headers, "webhook-id": `${MSG_ID.slice(0, -1)}3` },
      { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 1) },
    ]) {
      const { status, refusal } = await verdictOf({ webhookSecret: secret }, changed, payload);
      assert.equal(status, 401);
      assert.equal(refusal?.reason, "bad-signature");
    }
  });

  test("a timestamp older or newer than the tolerance is 401 stale-timestamp, even with a valid signature", async () => {
    const secret = newSecret();
    const payload = body();
    assert.equal(
      (await verdictOf({ webhookSecret: secret }, oracleSigned(secret, payload, 290), payload)).status,
      204,
    );
    const old = await verdictOf({ webhookSecret: secret }, oracleSigned(secret, payload, 310), payload);
    assert.equal(old.status, 401);
    assert.equal(old.refusal?.reason, "stale-timestamp");
    assert.match(old.refusal?.message ?? "", /^webhook-timestamp is 31\d s old; at most 300 s is accepted$/);
    const future = await verdictOf({ webhookSecret: secret }, oracleSigned(secret, payload, -310), payload);
    assert.equal(future.refusal?.reason, "stale-timestamp");
    assert.match(future.refusal?.message ?? "", /in the future/);
    const tight = await verdictOf(
      { webhookSecret: secret, webhookTolerance: 10 },
      oracleSigned(secret, payload, 20),
      payload,
    );
    assert.equal(tight.refusal?.reason, "stale-timestamp");
  });

  test("a rotated-out secret is refused; during the grace period either secret verifies the two signatures", async () => {
    const [old, current] = [newSecret(), newSecret()];
    const payload = body();
    const oldOnly = oracleSigned(old, payload);
    const during = {
      ...oldOnly,
      "webhook-signature": `${oracleSigned(current, payload)["webhook-signature"]} ${oldOnly["webhook-signature"]}`,
    };
    assert.equal((await verdictOf({ webhookSecret: old }, during, payload)).status, 204);
    assert.equal((await verdictOf({ webhookSecret: current }, during, payload)).status, 204);
    const rotatedOut = await verdictOf({ webhookSecret: current }, oldOnly, payload);
    assert.equal(rotatedOut.status, 401);
    assert.equal(rotatedOut.refusal?.reason, "bad-signature");
  });

  test("a missing webhook-* header is 401 missing-signature; other versions and junk are not matches", async () => {
    const secret = newSecret();
    const payload = body();
    const headers = oracleSigned(secret, payload);
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const { [name]: _gone, ...rest } = headers;
      const { status, refusal } = await verdictOf({ webhookSecret: secret }, rest, payload);
      assert.equal(status, 401);
      assert.equal(refusal?.reason, "missing-signature");
    }
    const mac = String(headers["webhook-signature"]).slice(3);
    for (const signature of [`v2,${mac}`, mac, "v1,", "v1,AAAA", `v1a,${mac}`]) {
      const res = await verdictOf(
        { webhookSecret: secret },
        { ...headers, "webhook-signature": signature },
        payload,
      );
      assert.equal(res.refusal?.reason, "bad-signature", signature);
    }
    const notSeconds = await verdictOf(
      { webhookSecret: secret },
      { ...headers, "webhook-timestamp": "2026-06-01T12:00:00Z" },
      payload,
    );
    assert.equal(notSeconds.refusal?.reason, "bad-signature");
  });

  test("with tokens as well, both must pass", async () => {
    const secret = newSecret();
    const payload = body();
    const signed = oracleSigned(secret, payload);
    const options = { tokens: ["rx-token"], webhookSecret: secret };
    assert.equal(
      (await verdictOf(options, { ...signed, authorization: "Bearer rx-token" }, payload)).status,
      204,
    );
    const noToken = await verdictOf(options, signed, payload);
    assert.equal(noToken.refusal?.reason, "missing-token");
    const { "webhook-signature": _s, ...unsigned } = signed;
    const noSignature = await verdictOf(options, { ...unsigned, authorization: "Bearer rx-token" }, payload);
    assert.equal(noSignature.status, 401);
    assert.equal(noSignature.refusal?.reason, "missing-signature");
  });

  test("the refusal names webhook-id and webhook-timestamp, never the signature", async () => {
    const secret = newSecret();
    const headers = oracleSigned(secret, body());
    const { refusal } = await verdictOf({ webhookSecret: newSecret() }, headers, body());
    assert.equal(refusal?.headers["webhook-id"], MSG_ID);
    assert.equal(refusal?.headers["webhook-timestamp"], headers["webhook-timestamp"]);
    assert.equal(JSON.stringify(refusal).includes(String(headers["webhook-signature"]).slice(3)), false);
  });

  test("a secret that is not base64 fails createReceiver, not every request", () => {
    for (const bad of ["", "whsec_", "whsec_not base64!", "secret with spaces"]) {
      assert.throws(
        () => createReceiver({ tokens: [], webhookSecret: bad, onEvent: () => undefined }),
        /webhookSecret: expected whsec_ and base64/,
        JSON.stringify(bad),
      );
    }
  });

  test("a tolerance that is not a finite number >= 0 fails createReceiver with a TypeError", () => {
    const secret = newSecret();
    // Number(process.env.UNSET) is NaN: it must not turn replay protection off.
    for (const bad of [Number(undefined), Number.POSITIVE_INFINITY, -1]) {
      assert.throws(
        () =>
          createReceiver({
            tokens: [],
            webhookSecret: secret,
            webhookTolerance: bad,
            onEvent: () => undefined,
          }),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message ===
            `webhookTolerance must be a finite number of seconds >= 0 (default 300); got ${String(bad)}`,
        String(bad),
      );
    }
    assert.ok(
      createReceiver({ tokens: [], webhookSecret: secret, webhookTolerance: 0, onEvent: () => undefined }),
    );
  });

  test("an empty list of secrets fails createReceiver rather than checking nothing", () => {
    assert.throws(
      () => createReceiver({ tokens: [], webhookSecret: [], onEvent: () => undefined }),
      (error: unknown) =>
        error instanceof TypeError &&
        error.message ===
          "webhookSecret is an empty list, which would check no signature: give at least one secret, or leave webhookSecret out",
    );
  });

  test("OpenQoD's signer and the reference library agree both ways, over many ids, bodies and secrets", async () => {
    for (let i = 0; i < 50; i++) {
      const secret = newSecret();
      const id = `evt-${randomBytes(6).toString("hex")}`;
      // Bodies with what JSON escapes and multi-byte UTF-8: the bytes, not the characters, are signed.
      const payload = JSON.stringify({ id, note: `é ☃ 𝄞 "q" \\ ${randomBytes(8).toString("base64")}` });
      const signer = new WebhookSigner({ secrets: async () => [{ secret, retiresAt: null }] });
      const ours = await signer.headersFor(
        { eventId: id, body: payload, clientId: "c" } as ClaimedDelivery,
        Date.now(),
      );
      assert.doesNotThrow(() => new Webhook(secret).verify(payload, ours), "the reference verifies ours");
      const theirs = oracleSigned(secret, payload, 0, id);
      assert.equal(ours["webhook-signature"], theirs["webhook-signature"], "the same signature");
      const receiver = createReceiver({ tokens: [], webhookSecret: secret, onEvent: () => undefined });
      const verdict = await receiver.receive({ body: Buffer.from(payload), headers: theirs });
      // Past the signature, this body is not a QoD notification: 400 malformed, not 401.
      assert.equal(verdict.status, 400);
    }
  });
});
