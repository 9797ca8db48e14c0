import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  BROWSER_TEST,
  clickConfirming,
  launchBrowser,
  newPage,
  overflowsHorizontally,
  screenshot,
  seriousViolations,
  signInWithKey,
} from "./helpers/browser.ts";
import { QOD, SANDBOX_KEY, type Sandbox, startSandbox } from "./helpers/server.ts";

const NOTIFICATIONS = "/notifications/v1";

/** What an API error answers: the message the page must show as it is. */
function messageOf(body: unknown): string {
  return (body as { message: string }).message;
}

// The UI contract of design.md section B, driven in Debian's chromium against a real sandbox server.
describe("dashboard in a real browser", () => {
  let sandbox: Sandbox;
  let browser: Browser;
  before(async () => {
    if (BROWSER_TEST.skip) return;
    sandbox = await startSandbox();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  async function signedIn(width = 1280): Promise<Page> {
    const page = await newPage(browser, width);
    await signInWithKey(page, sandbox.url, SANDBOX_KEY);
    return page;
  }

  async function live(page: Page, hash = "#/sessions"): Promise<void> {
    await page.goto(`${sandbox.url}/dashboard/${hash}`);
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
  }

  test(
    "a wrong API key shows the API's message in an alert; the right one signs in",
    BROWSER_TEST,
    async () => {
      const page = await newPage(browser);
      const wrong = await sandbox.api("GET", `${NOTIFICATIONS}/sessions`, undefined, "not-a-key-0123456789");
      assert.equal(wrong.status, 401);
      await page.goto(`${sandbox.url}/dashboard/`);
      await page.getByRole("heading", { name: "Sign in to OpenQoD" }).waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, "sign-in");
      await page.getByLabel("API key").fill("not-a-key-0123456789");
      await page.getByRole("button", { name: "Sign in with API key" }).click();
      await page
        .getByRole("alert")
        .filter({ hasText: messageOf(wrong.body) })
        .waitFor();
      assert.equal(page.url().includes("not-a-key"), false, "the key never goes in the URL");
      await page.getByLabel("API key").fill(SANDBOX_KEY);
      await page.getByRole("button", { name: "Sign in with API key" }).click();
      await page.getByRole("navigation", { name: "Main" }).waitFor();
      await page.getByRole("button", { name: "Sign out" }).waitFor();
      assert.equal(page.url().includes(SANDBOX_KEY), false);
      await page.context().close();
    },
  );

  test("one click signs in as the sandbox client on a loopback sandbox", BROWSER_TEST, async () => {
    const page = await newPage(browser);
    await page.goto(`${sandbox.url}/dashboard/`);
    await page.getByRole("button", { name: "Sign in as the sandbox client" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    for (const link of ["Sessions", "Sandbox", "Operations"]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).waitFor();
    }
    await page.context().close();
  });

  test(
    "OAuth2 client credentials sign in (a wrong secret shows the token endpoint's message); the page then reads the API",
    BROWSER_TEST,
    async () => {
      const made = await sandbox.api("POST", "/admin/v1/clients", { name: "dash-oauth" });
      assert.equal(made.status, 201);
      const { clientId, clientSecret } = made.body as { clientId: string; clientSecret: string };
      const page = await newPage(browser);
      await page.goto(`${sandbox.url}/dashboard/`);
      await page.getByLabel("Client ID").fill(clientId);
      await page.getByLabel("Client secret").fill("oqs_wrong");
      await page.getByRole("button", { name: "Sign in with client credentials" }).click();
      await page.getByRole("alert").waitFor();
      assert.match((await page.getByRole("alert").textContent()) ?? "", /\S/);
      await page.getByLabel("Client secret").fill(clientSecret);
      await page.getByRole("button", { name: "Sign in with client credentials" }).click();
      await page.getByRole("navigation", { name: "Main" }).waitFor();
      await page.getByRole("table", { name: "Sessions" }).waitFor();
      assert.ok(!page.url().includes(clientSecret), "the secret is never in the URL");
      await page.context().close();
    },
  );

  test(
    "a session created through the API appears in the table within 2 s, without reload",
    BROWSER_TEST,
    async () => {
      const page = await signedIn();
      await live(page);
      await page.getByRole("heading", { level: 1, name: "Sessions" }).waitFor();
      const navigations: string[] = [];
      page.on("framenavigated", (frame) => navigations.push(frame.url()));
      const { sessionId } = await sandbox.createSession();
      const row = page
        .getByRole("table", { name: "Sessions" })
        .getByRole("row")
        .filter({ hasText: sessionId });
      await row.getByRole("link", { name: sessionId }).waitFor({ timeout: 2_000 });
      assert.deepEqual(navigations, [], "no reload");
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, "sessions");
      await page.context().close();
    },
  );

  test(
    "a session's page shows its AVAILABLE and DURATION_EXPIRED notifications with their attempts",
    BROWSER_TEST,
    async () => {
      const before = sandbox.receiver.requests.length;
      const { sessionId } = await sandbox.createSession();
      assert.equal(
        (await sandbox.api("POST", `/sandbox/v1/sessions/${sessionId}/expire`)).status < 300,
        true,
      );
      await sandbox.receiver.waitFor(before + 2);
      const page = await signedIn();
      await page.goto(`${sandbox.url}/dashboard/#/sessions/${sessionId}`);
      await page.getByRole("heading", { level: 1, name: `Session ${sessionId}` }).waitFor();
      for (const type of ["AVAILABLE", "UNAVAILABLE DURATION_EXPIRED"]) {
        const article = page.getByRole("article", { name: `Notification ${type}`, exact: true });
        await article.getByText("delivered").first().waitFor();
        const attempts = article.getByRole("table", { name: "Attempts" }).getByRole("row");
        // A header row and at least one attempt, answered 204 by the receiver.
        assert.ok((await attempts.count()) >= 2, `${type}: attempts rows`);
        await attempts.filter({ hasText: "204" }).first().waitFor();
      }
      const timeline = page.getByRole("list", { name: "Timeline" });
      await timeline.getByText("created").first().waitFor();
      await timeline.getByText("DURATION_EXPIRED").first().waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, "session");
      await page.context().close();
    },
  );

  test("Redeliver on the page reaches the real receiver again", BROWSER_TEST, async () => {
    const before = sandbox.receiver.requests.length;
    const { sessionId } = await sandbox.createSession();
    await sandbox.receiver.waitFor(before + 1);
    const page = await signedIn();
    await page.goto(`${sandbox.url}/dashboard/#/sessions/${sessionId}`);
    const article = page.getByRole("article", { name: "Notification AVAILABLE", exact: true });
    await article.getByText("delivered").first().waitFor();
    await clickConfirming(page, article.getByRole("button", { name: "Redeliver" }));
    await sandbox.receiver.waitFor(before + 2, 5_000);
    const again = sandbox.receiver.events.slice(before);
    assert.deepEqual(
      again.map((e) => [e.data.sessionId, e.data.qosStatus]),
      [
        [sessionId, "AVAILABLE"],
        [sessionId, "AVAILABLE"],
      ],
    );
    // The page shows the second attempt without a reload.
    await article.getByRole("table", { name: "Attempts" }).getByRole("row").nth(2).waitFor();
    await page.context().close();
  });

  test(
    "Network-terminate on the page ends the session: UNAVAILABLE shown, and the API says so",
    BROWSER_TEST,
    async () => {
      const { sessionId } = await sandbox.createSession();
      const page = await signedIn();
      await page.goto(`${sandbox.url}/dashboard/#/sessions/${sessionId}`);
      await page.getByRole("main").getByText("AVAILABLE", { exact: true }).first().waitFor();
      await clickConfirming(page, page.getByRole("button", { name: "Network-terminate" }));
      await page.getByRole("main").getByText("UNAVAILABLE", { exact: true }).first().waitFor();
      const res = await sandbox.api("GET", `${QOD}/sessions/${sessionId}`);
      assert.equal(res.status, 200);
      assert.equal((res.body as { qosStatus: string }).qosStatus, "UNAVAILABLE");
      assert.equal((res.body as { statusInfo?: string }).statusInfo, "NETWORK_TERMINATED");
      await page.context().close();
    },
  );

  test("Expire now on the page ends the session with DURATION_EXPIRED", BROWSER_TEST, async () => {
    const { sessionId } = await sandbox.createSession();
    const page = await signedIn();
    await page.goto(`${sandbox.url}/dashboard/#/sessions/${sessionId}`);
    await page.getByRole("heading", { level: 1, name: `Session ${sessionId}` }).waitFor();
    await clickConfirming(page, page.getByRole("button", { name: "Expire now" }));
    await page.getByRole("main").getByText("UNAVAILABLE", { exact: true }).first().waitFor();
    const res = await sandbox.api("GET", `${QOD}/sessions/${sessionId}`);
    assert.equal((res.body as { statusInfo?: string }).statusInfo, "DURATION_EXPIRED");
    await page.context().close();
  });

  test("Extend adds the seconds asked for; Delete session removes it", BROWSER_TEST, async () => {
    const { sessionId } = await sandbox.createSession({ duration: 600 });
    const page = await signedIn();
    await page.goto(`${sandbox.url}/dashboard/#/sessions/${sessionId}`);
    await page.getByRole("heading", { level: 1, name: `Session ${sessionId}` }).waitFor();
    await page.getByLabel("Additional seconds").fill("120");
    await clickConfirming(page, page.getByRole("button", { name: "Extend" }));
    let deadline = Date.now() + 5_000;
    let duration = 0;
    while (Date.now() < deadline && duration !== 720) {
      duration = ((await sandbox.api("GET", `${QOD}/sessions/${sessionId}`)).body as { duration: number })
        .duration;
      if (duration !== 720) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(duration, 720);
    await clickConfirming(page, page.getByRole("button", { name: "Delete session" }));
    deadline = Date.now() + 5_000;
    let status = 200;
    while (Date.now() < deadline && status !== 404) {
      status = (await sandbox.api("GET", `${QOD}/sessions/${sessionId}`)).status;
      if (status !== 404) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 404);
    await page.context().close();
  });

  test("the first Tab stop is Skip to content, which moves focus into main", BROWSER_TEST, async () => {
    const page = await signedIn();
    await live(page);
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
    assert.equal(first, "Skip to content");
    await page.keyboard.press("Enter");
    const inMain = await page.evaluate(() =>
      document.getElementById("content")?.contains(document.activeElement),
    );
    assert.equal(inMain, true);
    await page.context().close();
  });

  test(
    "the create form shows the API's message next to the field it is about (duration 0)",
    BROWSER_TEST,
    async () => {
      const api = await sandbox.api("POST", `${QOD}/sessions`, {
        device: { phoneNumber: "+36700000999" },
        applicationServer: { ipv4Address: "233.252.0.2" },
        qosProfile: "QOS_L",
        duration: 0,
      });
      assert.equal(api.status, 400);
      const page = await signedIn();
      await live(page);
      await page.getByRole("heading", { name: "Create a session" }).waitFor();
      await page.getByLabel("Phone number", { exact: true }).fill("+36700000999");
      await page.getByLabel("Application server IPv4 address").fill("233.252.0.2");
      await page.getByLabel("QoS profile").selectOption("QOS_L");
      await page.getByLabel("Duration (seconds)").fill("0");
      await page.getByRole("button", { name: "Create session" }).click();
      const duration = page.getByLabel("Duration (seconds)");
      await page.waitForFunction(
        (el) => el?.getAttribute("aria-invalid") === "true",
        await duration.elementHandle(),
      );
      const describedBy = await duration.getAttribute("aria-describedby");
      assert.ok(describedBy, "aria-describedby names the message");
      const message = await page.locator(`[id="${describedBy}"]`).textContent();
      assert.equal(message?.trim(), messageOf(api.body));
      await screenshot(page, "create-form-error");
      await page.context().close();
    },
  );

  test(
    "a Refuse device rule saved on the Sandbox page makes the next session for that number refused",
    BROWSER_TEST,
    async () => {
      const phone = "+36700000777";
      const page = await signedIn();
      await page.goto(`${sandbox.url}/dashboard/#/sandbox`);
      await page.getByRole("heading", { name: "Sandbox" }).first().waitFor();
      await page.getByLabel("Phone number", { exact: true }).fill(phone);
      await page.getByLabel("Outcome").selectOption({ label: "Refuse" });
      await page.getByRole("button", { name: "Save rule" }).click();
      await page
        .getByRole("table", { name: "Device rules" })
        .getByRole("button", { name: `Remove rule for ${phone}` })
        .waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, "sandbox");
      const { sessionId } = await sandbox.createSession({ device: { phoneNumber: phone } });
      const deadline = Date.now() + 5_000;
      let status = "";
      while (Date.now() < deadline) {
        status = ((await sandbox.api("GET", `${QOD}/sessions/${sessionId}`)).body as { qosStatus: string })
          .qosStatus;
        if (status === "UNAVAILABLE") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, "UNAVAILABLE");
      await page.goto(`${sandbox.url}/dashboard/#/sessions/${sessionId}`);
      await page.getByRole("main").getByText("UNAVAILABLE", { exact: true }).first().waitFor();
      await page.context().close();
    },
  );

  test(
    "Operations: a new client's key is shown once and works; revoking it makes it answer 401",
    BROWSER_TEST,
    async () => {
      const page = await signedIn();
      await page.goto(`${sandbox.url}/dashboard/#/operations`);
      await page.getByRole("heading", { name: "Operations" }).first().waitFor();
      await page.getByLabel("Client name").fill("dash-ops");
      await page.getByRole("button", { name: "Create client" }).click();
      const shown = page
        .getByRole("region", { name: "Shown once" })
        .or(page.getByRole("dialog", { name: "Shown once" }));
      await shown.waitFor();
      // The key is one of the long words in the region: the one the API accepts.
      const texts = await shown.evaluate((region) => {
        const walker = document.createTreeWalker(region, NodeFilter.SHOW_TEXT);
        const found: string[] = [...region.querySelectorAll("input, textarea")].map(
          (field) => (field as HTMLInputElement).value,
        );
        for (let node = walker.nextNode(); node !== null; node = walker.nextNode())
          found.push(node.textContent ?? "");
        return found;
      });
      const words = texts.flatMap((text) => text.split(/\s+/)).filter((w) => w.length >= 16);
      let key: string | undefined;
      for (const word of words.slice(0, 10)) {
        if ((await sandbox.api("GET", `${NOTIFICATIONS}/sessions`, undefined, word)).status === 200)
          key = word;
      }
      assert.ok(key, `an API key that works among ${JSON.stringify(words)}`);
      await page
        .getByRole("table", { name: "API clients" })
        .getByRole("row")
        .filter({ hasText: "dash-ops" })
        .waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, "operations");
      await clickConfirming(page, page.getByRole("button", { name: "Revoke dash-ops" }));
      const deadline = Date.now() + 5_000;
      let status = 200;
      while (Date.now() < deadline && status !== 401) {
        status = (await sandbox.api("GET", `${NOTIFICATIONS}/sessions`, undefined, key)).status;
        if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 401);
      await page.context().close();
    },
  );

  test("a dropped live stream shows Reconnecting…, then Live, and catches up", BROWSER_TEST, async () => {
    const page = await signedIn();
    await live(page);
    sandbox.dropConnections();
    await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
    const { sessionId } = await sandbox.createSession();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 20_000 });
    await page.getByRole("table", { name: "Sessions" }).getByRole("link", { name: sessionId }).waitFor();
    await page.context().close();
  });

  test("at 360 px wide no page overflows horizontally", BROWSER_TEST, async () => {
    const { sessionId } = await sandbox.createSession();
    const page = await signedIn(360);
    for (const [name, hash] of [
      ["sessions-narrow", "#/sessions"],
      ["session-narrow", `#/sessions/${sessionId}`],
      ["sandbox-narrow", "#/sandbox"],
      ["operations-narrow", "#/operations"],
    ] as const) {
      await page.goto(`${sandbox.url}/dashboard/${hash}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await screenshot(page, name);
      assert.equal(await overflowsHorizontally(page), false, `${hash} overflows at 360 px`);
    }
    await page.context().close();
  });
});
