import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EXCERPT_BYTES, readExcerpt } from "../src/delivery/excerpt.ts";

/** A body as the sender reads it: chunks, and a destroy() the reader may call. */
function body(...chunks: string[]) {
  return Object.assign(
    (async function* () {
      for (const chunk of chunks) yield Buffer.from(chunk);
    })(),
    { destroy() {} },
  );
}

describe("the answer's excerpt", () => {
  const token = "s3cr3t-sink-token-0123456789abcdef";

  test("a credential straddling the 512-byte limit leaves no prefix of itself behind", async () => {
    const excerpt = await readExcerpt(body(`${"x".repeat(500)}Bearer ${token} and more`), [
      `Bearer ${token}`,
      token,
    ]);
    assert.ok(excerpt !== null);
    assert.doesNotMatch(excerpt, /s3cr|Bearer s/);
    assert.ok(excerpt.startsWith(`${"x".repeat(500)}[redac`), excerpt.slice(490));
    assert.equal(Buffer.byteLength(excerpt), EXCERPT_BYTES);
  });

  test("a credential split across chunks is blanked too", async () => {
    const excerpt = await readExcerpt(body("you sent Bearer s3cr3t-si", "nk-token-0123456789abcdef!"), [
      `Bearer ${token}`,
      token,
    ]);
    assert.equal(excerpt, "you sent [redacted]!");
  });

  test("never half a character at the cut, control characters as spaces, an empty body as null", async () => {
    const excerpt = await readExcerpt(body(`${"x".repeat(511)}é tail`), []);
    assert.equal(excerpt, "x".repeat(511));
    assert.equal(await readExcerpt(body("a\u0000b\tc\nd"), []), "a b\tc\nd");
    assert.equal(await readExcerpt(body(), []), null);
  });
});
