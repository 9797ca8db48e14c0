/** How much of a sink's answer an attempt keeps (bytes): enough for an error message, never a page. */
export const EXCERPT_BYTES = 512;
/** How much of an answer is read at most before the connection is given up (bytes). */
const READ_LIMIT = 64 * 1024;

/**
 * The start of an answer's body as an attempt records it: at most EXCERPT_BYTES of UTF-8 (a character
 * cut at the end is dropped), control characters other than tab and newline as spaces, and every
 * `secrets` value (the credentials sent: receivers that echo requests back, httpbin-style, would
 * otherwise store them) as `[redacted]`. Secrets are blanked before the cut, over enough of the body
 * to hold any of them whole, so one that straddles the limit leaves no prefix behind. null for an
 * empty body. The body is read on to its end (up to READ_LIMIT), so the connection can go back to
 * the pool.
 */
export async function readExcerpt(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  secrets: readonly string[],
): Promise<string | null> {
  // Enough to hold a secret that starts just before the limit, and the character the limit falls in.
  const wanted = EXCERPT_BYTES + 4 + Math.max(0, ...secrets.map((s) => Buffer.byteLength(s, "utf8")));
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let read = 0;
  for await (const chunk of body) {
    if (keptBytes < wanted) {
      const part = chunk.subarray(0, wanted - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    read += chunk.length;
    if (read >= READ_LIMIT) {
      body.destroy();
      break;
    }
  }
  if (keptBytes === 0) return null;
  return cutToBytes(redact(Buffer.concat(kept).toString("utf8"), secrets), EXCERPT_BYTES);
}

/** `text` with control characters as spaces and each secret blanked out. */
export function redact(text: string, secrets: readonly string[]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  let clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ");
  // Longest first: a token inside its own "Bearer …" header is blanked with the header.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) clean = clean.split(secret).join("[redacted]");
  }
  return clean;
}

/** The longest start of `text` that is at most `limit` bytes of UTF-8, never half a character. */
function cutToBytes(text: string, limit: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= limit) return text;
  let end = limit;
  // Back to the first byte of the character the limit falls in (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}
