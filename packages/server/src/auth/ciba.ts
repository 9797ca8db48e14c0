import { randomBytes } from "node:crypto";
import type { Clock } from "../clock.ts";
import { type ChosenDevice, chooseDeviceIdentifier } from "../domain/device.ts";
import type { AuthRequestRepository } from "../store/auth-requests.ts";
import { hashKey } from "./api-keys.ts";
import type { AuthenticatedClient, GrantHandler } from "./grants.ts";
import { deviceOfLoginHint } from "./login-hint.ts";
import { OAuthError } from "./oauth-error.ts";
import { requestedScopes } from "./requested-scopes.ts";
import { OPENID_SCOPE } from "./scopes.ts";

/** What the device's user answers to a CIBA request, and how long they take to answer (ms). */
export interface Consent {
  decision: "ALLOW" | "DENY";
  delayMs: number;
}

/**
 * Who asks the device's user for consent. The sandbox's device registry answers at once (its rules'
 * `consent` and `consentDelay`); an operator would plug in its own (a push to the handset, an SMS).
 */
export interface ConsentPolicy {
  consentOf(device: ChosenDevice): Consent | Promise<Consent>;
}

/** Whether the network knows a device: network.checkDevice's status. */
export type DeviceLookup = (device: ChosenDevice) => Promise<{ status: string }>;

/** The answer of the backchannel authentication endpoint (CIBA §7.3). */
export interface BackchannelAuthentication {
  auth_req_id: string;
  /** Seconds. */
  expires_in: number;
  /** Seconds between polls. */
  interval: number;
}

/** A request's default lifetime, and the longest `requested_expiry` (s). */
export const CIBA_EXPIRY_S = 300;
export const MAX_REQUESTED_EXPIRY_S = 600;
/** CIBA bounds no binding_message; a handset's screen does. */
export const MAX_BINDING_MESSAGE = 100;

/**
 * OpenID Connect CIBA Core 1.0 in poll mode: `authorize` takes a backchannel authentication request
 * for a device, `grant` is the token endpoint's `urn:openid:params:grant-type:ciba`, whose token is bound
 * to that device. The requests live in the database, so any instance answers any poll; the consent is
 * decided when the request is made and shown to the polls once its delay has passed.
 */
export class Ciba {
  readonly #requests: AuthRequestRepository;
  readonly #consent: ConsentPolicy;
  readonly #lookup: DeviceLookup;
  readonly #clock: Clock;
  readonly #intervalS: number;

  /** @param options.intervalMs the polling interval (ms, whole seconds). @default 5000 */
  constructor(options: {
    requests: AuthRequestRepository;
    consent: ConsentPolicy;
    lookup: DeviceLookup;
    clock: Clock;
    intervalMs?: number;
  }) {
    this.#requests = options.requests;
    this.#consent = options.consent;
    this.#lookup = options.lookup;
    this.#clock = options.clock;
    this.#intervalS = Math.ceil((options.intervalMs ?? 5000) / 1000);
  }

  /**
   * A backchannel authentication request (CIBA §7.1) of an authenticated client.
   * @throws OAuthError invalid_scope (no `openid`, or a scope not the client's), invalid_request (no
   *   hint, several, an unsupported or malformed one, a bad binding_message or requested_expiry),
   *   unknown_user_id (a device the network does not know).
   */
  async authorize(client: AuthenticatedClient, params: URLSearchParams): Promise<BackchannelAuthentication> {
    const asked = requestedScopes(client.scopes, params.get("scope") ?? "", [OPENID_SCOPE]);
    if (!asked.includes(OPENID_SCOPE))
      throw new OAuthError("invalid_scope", "a CIBA request's scope must contain openid");
    const apiScopes = asked.filter((s) => s !== OPENID_SCOPE);
    const chosen = await this.#device(params);
    const expiresIn = requestedExpiry(params.get("requested_expiry"));
    const message = params.get("binding_message");
    if (message !== null && (message.length === 0 || message.length > MAX_BINDING_MESSAGE))
      throw new OAuthError(
        "invalid_request",
        `binding_message must be 1 to ${MAX_BINDING_MESSAGE} characters`,
      );
    const consent = await this.#consent.consentOf(chosen);
    const now = this.#clock.now();
    const authReqId = randomBytes(32).toString("base64url");
    await this.#requests.insert({
      idHash: hashKey(authReqId),
      clientId: client.id,
      // Naming only openid asks for every scope of the client, as client_credentials without a scope.
      scopes: apiScopes.length === 0 ? [...client.scopes].sort() : apiScopes,
      device: chosen.device,
      decision: consent.decision,
      readyAt: now + consent.delayMs,
      expiresAt: now + expiresIn * 1000,
      intervalS: this.#intervalS,
      createdAt: now,
    });
    return { auth_req_id: authReqId, expires_in: expiresIn, interval: this.#intervalS };
  }

  /** The CIBA grant (CIBA §10.1, §11): one token per approved request, to the client that made it. */
  readonly grant: GrantHandler = async (client, params) => {
    const authReqId = params.get("auth_req_id");
    if (authReqId === null || authReqId === "")
      throw new OAuthError("invalid_request", "auth_req_id is missing");
    const idHash = hashKey(authReqId);
    const request = await this.#requests.find(idHash);
    // Another client's request is as unknown as one that never was: ids are not probed across clients.
    if (request === undefined || request.clientId !== client.id)
      throw new OAuthError("invalid_grant", "unknown auth_req_id");
    if (request.consumedAt !== null)
      throw new OAuthError("invalid_grant", "this auth_req_id has already been exchanged for a token");
    const now = this.#clock.now();
    if (now >= request.expiresAt) throw new OAuthError("expired_token", "the auth_req_id has expired");
    if (!(await this.#requests.recordPoll(idHash, now))) {
      await this.#requests.slowDown(idHash, now);
      throw new OAuthError(
        "slow_down",
        `polled faster than every ${request.intervalS} s; wait ${request.intervalS + 5} s from now on`,
      );
    }
    if (now < request.readyAt)
      throw new OAuthError("authorization_pending", "the device's user has not answered yet");
    if (request.decision === "DENY")
      throw new OAuthError("access_denied", "the device's user denied the request");
    if (!(await this.#requests.consume(idHash, now)))
      throw new OAuthError("invalid_grant", "this auth_req_id has already been exchanged for a token");
    // A scope taken from the client since the request was made is not in its token.
    return { scopes: request.scopes.filter((s) => client.scopes.has(s)), device: request.device };
  };

  /** The device of the request's one hint, which the network must know. */
  async #device(params: URLSearchParams): Promise<ChosenDevice> {
    const hints = (["login_hint", "login_hint_token", "id_token_hint"] as const).filter((h) => params.has(h));
    if (hints.length !== 1)
      throw new OAuthError(
        "invalid_request",
        "give exactly one of login_hint, login_hint_token, id_token_hint",
      );
    if (hints[0] !== "login_hint")
      throw new OAuthError("invalid_request", `${hints[0]} is not supported; use login_hint`);
    const chosen = chooseDeviceIdentifier(deviceOfLoginHint(params.get("login_hint") ?? ""));
    const { status } = await this.#lookup(chosen);
    if (status === "NOT_FOUND")
      throw new OAuthError("unknown_user_id", "the network knows no device by this login_hint");
    return chosen;
  }
}

/** @throws OAuthError invalid_request unless a whole number of seconds from 1 to MAX_REQUESTED_EXPIRY_S. */
function requestedExpiry(raw: string | null): number {
  if (raw === null) return CIBA_EXPIRY_S;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > MAX_REQUESTED_EXPIRY_S)
    throw new OAuthError(
      "invalid_request",
      `requested_expiry must be a whole number of seconds from 1 to ${MAX_REQUESTED_EXPIRY_S}`,
    );
  return seconds;
}
