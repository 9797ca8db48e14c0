import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { TestReceiver } from "../../server/test/helpers/receiver.ts";
import {
  BadRequestError,
  NetworkAsCodeClient,
  PermissionDeniedError,
  ValidationError,
} from "../src/index.ts";
import { KEY, startOpenQod } from "./server.ts";

let server: Awaited<ReturnType<typeof startOpenQod>>;
let receiver: TestReceiver;
before(async () => {
  server = await startOpenQod();
  receiver = await TestReceiver.start();
});
after(async () => {
  await server.close();
  await receiver.close();
});

const client = (token = KEY) => new NetworkAsCodeClient({ token, baseUrl: server.url });

describe("client.webhookSecrets against a real sandbox", () => {
  test("rotate turns signing on, the notification verifies with the secret; delete turns it off", async () => {
    const c = client();
    assert.deepEqual(await c.webhookSecrets.get(), []);
    const [secret] = await c.webhookSecrets.rotate();
    assert.match(secret?.secret ?? "", /^whsec_/);
    assert.deepEqual(
      (await c.webhookSecrets.get()).map((s) => s.id),
      [secret?.id],
    );
    await c.devices.get({ phoneNumber: "+3672000001" }).createQodSession({
      profile: "QOS_L",
      serviceIpv4: "233.252.0.2",
      duration: 3600,
      notificationUrl: receiver.url,
      notificationAuthToken: "sdk-sink-token",
    });
    await receiver.waitFor(1);
    const request = receiver.requests[0];
    assert.ok(request);
    const { "webhook-id": id, "webhook-timestamp": timestamp } = request.headers;
    const key = Buffer.from(secret!.secret.slice("whsec_".length), "base64");
    const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${request.body}`).digest("base64");
    assert.equal(request.headers["webhook-signature"], `v1,${mac}`, "signed with the secret rotate gave");

    const rotated = await c.webhookSecrets.rotate({ graceSeconds: 60 });
    assert.equal(rotated.length, 2);
    assert.equal(rotated[1]?.id, secret?.id);
    assert.ok(rotated[1]?.retiresAt);
    await c.webhookSecrets.delete();
    assert.deepEqual(await c.webhookSecrets.get(), []);
  });

  test("a grace out of range is a BadRequestError; a client without the scope a PermissionDeniedError", async () => {
    await assert.rejects(client().webhookSecrets.rotate({ graceSeconds: -1 }), BadRequestError);
    const { key } = await server.openqod.apiKeys.create("reader", Date.now(), {
      scopes: ["openqod:notifications:read"],
    });
    await assert.rejects(client(key).webhookSecrets.get(), PermissionDeniedError);
  });

  test("another target is refused before anything is sent", async () => {
    const nac = new NetworkAsCodeClient({ token: "k", target: "nac", fetch: () => assert.fail("sent") });
    await assert.rejects(nac.webhookSecrets.get(), ValidationError);
  });
});
