/** How much of a sink's answer an attempt keeps (bytes): enough for an error message, never a page. */
export const EXCERPT_BYTES = 512;
/** How much of an answer is read at most before the connection is given up (bytes). */
const READ_LIMIT = 64 * 1024;

/**
 * The start of an answer's body as an attempt records it: its first EXCERPT_BYTES as UTF-8 (a cut
 * character becomes U+FFFD), control characters other than tab and newline as spaces, and every
 * `secrets` value (the credential sent: receivers that echo requests back, httpbin-style, would
 * otherwise store it) as `[redacted]`. null for an empty body. The body is read on to its end (up
 * to READ_LIMIT), so the connection can go back to the pool.
 */
export async function readExcerpt(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  secrets: readonly string[],
): Promise<string | null> {
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let read = 0;
  for await (const chunk of body) {
    if (keptBytes < EXCERPT_BYTES) {
      const part = chunk.subarray(0, EXCERPT_BYTES - keptBytes);
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
  return redact(Buffer.concat(kept).toString("utf8"), secrets);
}

/** `text` with control characters as spaces and each secret blanked out. */
export function redact(text: string, secrets: readonly string[]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  let clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ");
  for (const secret of secrets) {
    if (secret.length >= 4) clean = clean.split(secret).join("[redacted]");
  }
  return clean;
}
