import { hash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => hash("sha256", text, "buffer");

/**
 * A checker for `Authorization: Bearer <one of tokens>`, with the tokens' digests computed once.
 * Constant time: both sides are hashed to the same length and every token is compared, so neither
 * the length nor which token matched leaks through timing.
 */
export function bearerChecker(tokens: readonly string[]): (header: string | undefined) => boolean {
  // A token given with its scheme ("Bearer x") is compared as given.
  const expected = tokens.map((token) => digest(/^Bearer\s/i.test(token) ? token : `Bearer ${token}`));
  return (header) => {
    const got = digest(header ?? "");
    let ok = false;
    for (const candidate of expected) ok = timingSafeEqual(got, candidate) || ok;
    return ok && header !== undefined;
  };
}

/** One-off form of `bearerChecker`. */
export function checkBearer(header: string | undefined, tokens: readonly string[]): boolean {
  return bearerChecker(tokens)(header);
}
