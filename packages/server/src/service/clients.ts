import type { ApiKeys } from "../auth/api-keys.ts";
import { unknownScopes } from "../auth/scopes.ts";
import type { Clock } from "../clock.ts";
import type { ClientRecord, JwksDocument } from "../store/types.ts";

/** Why an operator function refused: the client name is taken, unknown, or not a valid name. */
export class AdminError extends Error {
  readonly code:
    | "CLIENT_EXISTS"
    | "CLIENT_NOT_FOUND"
    | "INVALID_CLIENT_NAME"
    | "INVALID_SCOPES"
    | "INVALID_CLIENT_KEYS"
    | "INVALID_GRACE";

  constructor(code: AdminError["code"], message: string) {
    super(message);
    this.name = "AdminError";
    this.code = code;
  }
}

/** `clients.create` of a name that already exists (rotate gives it a new key). */
export class ClientExistsError extends AdminError {
  constructor(name: string) {
    super("CLIENT_EXISTS", `client ${name} already exists; rotate its key for a new one`);
    this.name = "ClientExistsError";
  }
}

/** `clients.rotate` of a name no client has. */
export class ClientNotFoundError extends AdminError {
  constructor(name: string) {
    super("CLIENT_NOT_FOUND", `no client ${name}`);
    this.name = "ClientNotFoundError";
  }
}

/** A client name is 1 to 64 letters, digits, "_", "." or "-". */
export const CLIENT_NAME = /^[\w.-]{1,64}$/;

/** What a client may do and how it may prove itself with a key pair (private_key_jwt). */
export interface ClientSettings {
  /** The scopes it may use (auth/scopes.ts); null = every scope. */
  scopes?: string[] | null;
  /** Its public keys, a JWKS; never a private key. */
  jwks?: JwksDocument | null;
  /** Where it publishes that JWKS (https://, or http:// on loopback). */
  jwksUri?: string | null;
}

/** A client's credentials, shown once: its OAuth2 client_id and secret, and its API key. */
export interface CreatedClient {
  clientId: string;
  key: string;
  secret: string;
}

/**
 * The operator's work on API clients, shared by openAdmin (the CLI, beside a server) and the
 * /admin/v1 API, so both check names, scopes and keys alike.
 */
export class ClientService {
  readonly #keys: ApiKeys;
  readonly #clock: Clock;

  constructor(keys: ApiKeys, clock: Clock) {
    this.#keys = keys;
    this.#clock = clock;
  }

  /** @throws ClientExistsError, AdminError INVALID_CLIENT_NAME, INVALID_SCOPES, INVALID_CLIENT_KEYS. */
  async create(name: string, settings: ClientSettings = {}): Promise<CreatedClient> {
    if (!CLIENT_NAME.test(name)) {
      throw new AdminError(
        "INVALID_CLIENT_NAME",
        `"${name}" is not a client name: 1 to 64 letters, digits, "_", "." or "-"`,
      );
    }
    checkSettings(settings);
    if (await this.#keys.byName(name)) throw new ClientExistsError(name);
    return this.#keys.create(name, this.#clock.now(), settings);
  }

  list(): Promise<ClientRecord[]> {
    return this.#keys.list();
  }

  /** @throws ClientNotFoundError. */
  async named(name: string): Promise<ClientRecord> {
    const client = await this.#keys.byName(name);
    if (client === undefined) throw new ClientNotFoundError(name);
    return client;
  }

  /** @throws ClientNotFoundError. */
  async rotate(name: string): Promise<string> {
    await this.named(name);
    return this.#keys.rotate(name);
  }

  /** @throws ClientNotFoundError. */
  async rotateSecret(name: string): Promise<string> {
    await this.named(name);
    return this.#keys.rotateSecret(name);
  }

  /** @throws ClientNotFoundError, AdminError INVALID_SCOPES, INVALID_CLIENT_KEYS. */
  async update(name: string, settings: ClientSettings): Promise<ClientRecord> {
    checkSettings(settings);
    await this.named(name);
    await this.#keys.update(name, settings);
    return this.named(name);
  }

  /** @returns false when there is no active client of that name. */
  revoke(name: string): Promise<boolean> {
    return this.#keys.revoke(name);
  }
}
/** A key member that only a private JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

/** @throws AdminError INVALID_SCOPES, INVALID_CLIENT_KEYS. */
function checkSettings(settings: ClientSettings): void {
  if (settings.scopes != null) {
    const unknown = unknownScopes(settings.scopes);
    if (unknown.length > 0 || settings.scopes.length === 0) {
      throw new AdminError(
        "INVALID_SCOPES",
        settings.scopes.length === 0
          ? "a client needs at least one scope"
          : `unknown scope${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`,
      );
    }
  }
  if (settings.jwks != null) {
    const keys: unknown = settings.jwks.keys;
    if (!Array.isArray(keys) || keys.length === 0)
      throw new AdminError("INVALID_CLIENT_KEYS", 'a JWKS is {"keys": [ … ]} with at least one key');
    for (const key of keys as unknown[]) {
      if (typeof key !== "object" || key === null || typeof (key as { kty?: unknown }).kty !== "string")
        throw new AdminError("INVALID_CLIENT_KEYS", "every key of the JWKS needs a kty");
      const secret = PRIVATE_MEMBERS.filter((m) => Object.hasOwn(key, m));
      if (secret.length > 0)
        throw new AdminError(
          "INVALID_CLIENT_KEYS",
          `the JWKS holds a private or symmetric key (member ${secret.join(", ")}): register only public keys`,
        );
    }
  }
  if (settings.jwksUri != null) {
    let url: URL | null = null;
    try {
      url = new URL(settings.jwksUri);
    } catch {}
    const loopback = url !== null && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
    if (url === null || !(url.protocol === "https:" || (url.protocol === "http:" && loopback)))
      throw new AdminError(
        "INVALID_CLIENT_KEYS",
        `the JWKS URL must be https:// (or http:// on loopback); got ${JSON.stringify(settings.jwksUri)}`,
      );
  }
}
