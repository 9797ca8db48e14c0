import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
/** Where every page's screenshot goes (gitignored; CI keeps the folder as an artefact). */
export const ARTIFACTS = join(ROOT, "test-artifacts", "dashboard");
/** Bounds one browser test from launch to close, so a stuck page fails instead of hanging the run. */
export const TEST_TIMEOUT_MS = 60_000;
/** Bounds each wait for something on the page. */
export const UI_TIMEOUT_MS = 5_000;

/** Debian's chromium, or PLAYWRIGHT_CHROMIUM_PATH; never a browser downloaded by `playwright install`. */
export function chromiumPath(): string | undefined {
  const chosen = process.env.PLAYWRIGHT_CHROMIUM_PATH;
  // A path someone chose is the only one tried, so a wrong one is noticed instead of quietly replaced.
  const candidates = chosen ? [chosen] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((path) => existsSync(path));
}

/**
 * The `skip` option for node:test: a reason when there is no chromium, false otherwise. With
 * OPENQOD_TEST_REQUIRE_BROWSER=1 (CI) a missing browser is not skipped: the test runs and fails at launch.
 */
export function skipWithoutBrowser(): string | false {
  if (chromiumPath() !== undefined || process.env.OPENQOD_TEST_REQUIRE_BROWSER === "1") return false;
  const where = process.env.PLAYWRIGHT_CHROMIUM_PATH || "/usr/bin/chromium";
  return `no chromium at ${where} (apt-get install chromium, or set PLAYWRIGHT_CHROMIUM_PATH)`;
}

/**
 * Options for each browser test: bounded, and skipped (counted as skipped, not as missing) without chromium.
 * The skip goes on each test rather than the suite, since a skipped suite reports no tests at all.
 */
export const BROWSER_TEST = { skip: skipWithoutBrowser(), timeout: TEST_TIMEOUT_MS };

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error("OPENQOD_TEST_REQUIRE_BROWSER=1 but no chromium: apt-get install chromium");
  }
  // As root (CI containers) chromium refuses to start with its sandbox on.
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"], timeout: 30_000 });
}

/** A fresh page (its own cookies and sessionStorage, so signed out) at `width`×800 in `browser`. */
export async function newPage(browser: Browser, width = 1280): Promise<Page> {
  // bypassCSP only lets the test inject axe-core; the page itself runs under the server's CSP.
  const context = await browser.newContext({ viewport: { width, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  return page;
}

/** Opens a page at `width`×800, runs `fn` on it, and closes the browser whatever happens. */
export async function withPage<T>(fn: (page: Page) => Promise<T>, width = 1280): Promise<T> {
  const browser = await launchBrowser();
  try {
    return await fn(await newPage(browser, width));
  } finally {
    await browser.close();
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

let axeSource: string | undefined;

/** Runs axe-core (the package's axe.min.js, injected) on the page; answers its serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

/** Whether the document is wider than the window (a horizontal scrollbar on the page itself). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

/** Clicks `button`, then "Confirm" if the page asks for a confirmation step. */
export async function clickConfirming(page: Page, button: Locator): Promise<void> {
  await button.click();
  const confirm = page.getByRole("button", { name: "Confirm", exact: true });
  const asked = await confirm.waitFor({ state: "visible", timeout: 1_000 }).then(
    () => true,
    () => false,
  );
  if (asked) await confirm.click();
}

/** Signs in on the sign-in page with an API key. */
export async function signInWithKey(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/dashboard/`);
  await page.getByRole("heading", { name: "Sign in to OpenQoD" }).waitFor();
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in with API key" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}
