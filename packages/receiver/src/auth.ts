import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * True when `header` is `Bearer <one of tokens>`. Constant time: both sides are hashed to the same
 * length and every token is compared, so neither the length nor which token matched leaks through timing.
 */
export function checkBearer(header: string | undefined, tokens: readonly string[]): boolean {
  const got = digest(header ?? "");
  let ok = false;
  for (const token of tokens) {
    // A token given with its scheme ("Bearer x") is compared as given.
    const expected = digest(/^Bearer\s/i.test(token) ? token : `Bearer ${token}`);
    ok = timingSafeEqual(got, expected) || ok;
  }
  return ok && header !== undefined;
}
