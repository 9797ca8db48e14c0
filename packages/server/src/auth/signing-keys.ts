import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import { type Clock, systemClock } from "../clock.ts";
import type { SigningKeyRecord, SigningKeyRepository } from "../store/signing-keys.ts";

/** The one algorithm OpenQoD signs its tokens with. */
export const SIGNING_ALG = "ES256";

/**
 * How often (ms) an instance rereads the key set: a key another instance made (or retired) is seen
 * within this, and a retired key may still sign here for this long after its retirement.
 */
export const KEY_RELOAD_MS = 60_000;
/** At most one reread per this (ms) for tokens naming a kid this instance does not know. */
export const UNKNOWN_KID_COOLDOWN_MS = 5_000;
/** The clock difference (ms) verifiers tolerate, so a retired key is kept that much longer too. */
export const CLOCK_SKEW_MS = 30_000;

/** A signing key as operators see it: never the private half. */
export interface SigningKeyInfo {
  kid: string;
  active: boolean;
  createdAt: number;
  /** When it stopped signing; it leaves the JWKS once its last token has expired. */
  retiredAt: number | null;
}

interface LoadedKey {
  record: SigningKeyRecord;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

/**
 * The authorization server's ES256 signing keys, kept in the database so every instance signs and
 * verifies with the same ones. One key signs; a retired key stays in the JWKS and verifies until every
 * token it signed has expired (the token lifetime + KEY_RELOAD_MS + CLOCK_SKEW_MS after retirement),
 * then is dropped. Each instance rotates the key when it is older than `rotationMs`; the database makes
 * that race-safe (store/signing-keys.ts), so instances doing it together leave one signing key.
 */
export class SigningKeys {
  readonly #repo: SigningKeyRepository;
  readonly #clock: Clock;
  readonly #rotationMs: number;
  readonly #retainMs: number;
  #keys = new Map<string, LoadedKey>();
  #activeKid: string | null = null;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #unknownKidReloadAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | null = null;

  /**
   * @param options.tokenTtlMs the longest lifetime of a token this server issues (ms)
   * @param options.rotationMs a signing key older than this is replaced (ms); 0: never
   */
  constructor(
    repo: SigningKeyRepository,
    options: { tokenTtlMs: number; rotationMs: number; clock?: Clock },
  ) {
    this.#repo = repo;
    this.#clock = options.clock ?? systemClock;
    this.#rotationMs = options.rotationMs;
    this.#retainMs = options.tokenTtlMs + KEY_RELOAD_MS + CLOCK_SKEW_MS;
  }

  /** The key that signs now, reloading the set first when it is older than KEY_RELOAD_MS. */
  async signingKey(): Promise<{ kid: string; privateKey: CryptoKey }> {
    await this.#fresh();
    const active = this.#activeKid === null ? undefined : this.#keys.get(this.#activeKid);
    if (active === undefined) throw new Error("no signing key is active after loading the key set");
    return { kid: active.record.kid, privateKey: active.privateKey };
  }

  /**
   * The public key of `kid`, or undefined when the database has none of that id. An unknown kid
   * rereads the set (a key another instance just made), at most once per UNKNOWN_KID_COOLDOWN_MS.
   */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    await this.#fresh();
    const known = this.#keys.get(kid);
    if (known !== undefined) return known.publicKey;
    const now = this.#clock.now();
    if (now - this.#unknownKidReloadAt < UNKNOWN_KID_COOLDOWN_MS) return undefined;
    this.#unknownKidReloadAt = now;
    await this.reload();
    return this.#keys.get(kid)?.publicKey;
  }

  /** The public JWKS (RFC 7517): the signing key and the retired keys that still verify. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.#fresh();
    return {
      keys: [...this.#keys.values()].map(({ record }) => ({
        ...(record.publicJwk as JWK),
        kid: record.kid,
        use: "sig",
        alg: SIGNING_ALG,
      })),
    };
  }

  /** Makes a new key the signing key now; the old one keeps verifying until its tokens expired. */
  async rotate(): Promise<SigningKeyInfo> {
    // A reload already under way read the set before this rotation: the one below must come after it.
    await this.#loading;
    const rotated = await rotateSigningKey(this.#repo, this.#clock.now());
    await this.reload();
    return rotated;
  }

  /** Every key, newest first. */
  async list(): Promise<SigningKeyInfo[]> {
    await this.reload();
    return [...this.#keys.values()]
      .map(({ record }) => keyInfo(record))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Rereads the key set, first doing what is due: a first key, a rotation, dropping keys whose
   * tokens have all expired. Concurrent calls share one reload.
   */
  reload(): Promise<void> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  async #fresh(): Promise<void> {
    if (this.#clock.now() - this.#loadedAt >= KEY_RELOAD_MS) await this.reload();
  }

  async #load(): Promise<void> {
    const now = this.#clock.now();
    let records = await this.#repo.list();
    const active = records.find((r) => r.active);
    const due = active !== undefined && this.#rotationMs > 0 && active.createdAt <= now - this.#rotationMs;
    if (active === undefined || due) {
      const candidate = await newKey(now);
      // Only the key that was due: an instance that rotated a moment ago is not rotated again.
      if (due) await this.#repo.rotate(candidate, now, now - this.#rotationMs);
      else await this.#repo.insertIfNoneActive(candidate);
    }
    const dropped = await this.#repo.dropRetired(now - this.#retainMs);
    if (active === undefined || due || dropped > 0) records = await this.#repo.list();
    const keys = new Map<string, LoadedKey>();
    for (const record of records) {
      const loaded = this.#keys.get(record.kid);
      keys.set(record.kid, loaded === undefined ? await importKey(record) : { ...loaded, record });
    }
    this.#keys = keys;
    this.#activeKid = records.find((r) => r.active)?.kid ?? null;
    this.#loadedAt = now;
  }
}

/**
 * Retires the signing key and makes a new one sign, straight on the database (the admin's path: it
 * never drops keys, since it does not know the servers' token lifetime). Servers sign with the new
 * key within KEY_RELOAD_MS, and verify it at once (an unknown kid rereads the set).
 * @returns the key that signs afterwards (another instance's, if one rotated at the same moment).
 */
export async function rotateSigningKey(repo: SigningKeyRepository, now: number): Promise<SigningKeyInfo> {
  const candidate = await newKey(now);
  await repo.rotate(candidate, now);
  const active = (await repo.list()).find((r) => r.active);
  if (active === undefined) throw new Error("no signing key is active after a rotation");
  return keyInfo(active);
}

export function keyInfo(record: SigningKeyRecord): SigningKeyInfo {
  return { kid: record.kid, active: record.active, createdAt: record.createdAt, retiredAt: record.retiredAt };
}

/** A new ES256 key pair; its kid is its RFC 7638 thumbprint, so the same key always has the same id. */
async function newKey(now: number): Promise<Omit<SigningKeyRecord, "active" | "retiredAt">> {
  const pair = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const privateJwk = await exportJWK(pair.privateKey);
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  return { kid, publicJwk: { ...publicJwk }, privateJwk: { ...privateJwk }, createdAt: now };
}

async function importKey(record: SigningKeyRecord): Promise<LoadedKey> {
  const publicKey = await importJWK(record.publicJwk as JWK, SIGNING_ALG);
  const privateKey = await importJWK(record.privateJwk as JWK, SIGNING_ALG);
  if (publicKey instanceof Uint8Array || privateKey instanceof Uint8Array)
    throw new Error(`signing key ${record.kid} is not an EC key`);
  return { record, publicKey, privateKey };
}
