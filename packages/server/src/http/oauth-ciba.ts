import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { Ciba } from "../auth/ciba.ts";
import { MAX_BINDING_MESSAGE, MAX_REQUESTED_EXPIRY_S } from "../auth/ciba.ts";
import { BC_AUTHORIZE_PATH } from "../auth/discovery.ts";
import type { ClientAuthentication } from "../auth/grants.ts";
import type { RateLimit } from "../rate-limiter.ts";
import { success } from "./docs.ts";
import { OAUTH_TAG, type OAuthErrorExample, oauthErrors } from "./oauth-docs.ts";
import { addressLimit, formEndpoint } from "./oauth-endpoint.ts";

export interface OAuthCibaOptions {
  ciba: Ciba;
  clients: ClientAuthentication;
  /** Without a trailing slash: a client assertion's `aud` may name this endpoint. */
  publicUrl: string;
  /** Requests per caller IP (per instance), as at the token endpoint. */
  rateLimit: RateLimit;
  /** Told of each request the limit refuses (the `token_callers` metric). */
  onLimited?: () => void;
}

const BackchannelAuthentication = Type.Object({
  auth_req_id: Type.String(),
  expires_in: Type.Integer({ description: "seconds" }),
  interval: Type.Integer({ description: "seconds between polls of the token endpoint" }),
});

const DESCRIPTION = `OpenID Connect CIBA backchannel authentication (poll mode): asks the user of one device for consent, for a token bound to that device (three-legged). Form body (\`application/x-www-form-urlencoded\`), the client authenticated as at the token endpoint:

- \`scope\`: must contain \`openid\`, and may name any of the client's scopes (only \`openid\`: all of them).
- \`login_hint\`: the device, as \`tel:+<E.164>\`, \`ipv4:<address>\` (not behind NAT), \`ipv4:<address>:<port>\` or \`ipv6:<address>\`. \`login_hint_token\` and \`id_token_hint\` are not supported.
- \`binding_message\` (optional, at most ${MAX_BINDING_MESSAGE} characters), \`requested_expiry\` (optional, seconds, 1 to ${MAX_REQUESTED_EXPIRY_S}).

Then poll \`POST /oauth2/v1/token\` with \`grant_type=urn:openid:params:grant-type:ciba\` and the \`auth_req_id\`, no faster than \`interval\`: \`authorization_pending\` until the user answers, \`slow_down\` when too fast (the interval grows by 5 s), \`access_denied\`, \`expired_token\`, or the token (once). The sandbox's device registry decides the consent (test identifiers +99999990403: denied, +99999990100: after 5 s).`;

/** The token endpoint's answers to a CIBA poll, for its OpenAPI examples (http/oauth-token.ts). */
export const CIBA_TOKEN_ERRORS: readonly OAuthErrorExample[] = [
  {
    error: "authorization_pending",
    code: "INVALID_ARGUMENT",
    summary: "CIBA: the device's user has not answered yet",
    message: "the device's user has not answered yet",
  },
  {
    error: "slow_down",
    code: "INVALID_ARGUMENT",
    summary: "CIBA: polled before the interval passed",
    message: "polled faster than every 5 s; wait 10 s from now on",
  },
  {
    error: "access_denied",
    code: "INVALID_ARGUMENT",
    summary: "CIBA: the device's user said no",
    message: "the device's user denied the request",
  },
  {
    error: "expired_token",
    code: "INVALID_ARGUMENT",
    summary: "CIBA: the auth_req_id expired",
    message: "the auth_req_id has expired",
  },
  {
    error: "invalid_grant",
    code: "INVALID_ARGUMENT",
    summary: "CIBA: an auth_req_id exchanged already, unknown, or another client's",
    message: "this auth_req_id has already been exchanged for a token",
  },
];

/** POST /oauth2/v1/bc-authorize, in a plugin scope of its own: form bodies only, never cached. */
export const oauthCiba: FastifyPluginAsync<OAuthCibaOptions> = async (app, options) => {
  const { ciba, clients, publicUrl } = options;
  formEndpoint(app, "this endpoint");
  const limit = addressLimit(options.rateLimit, {
    what: "authentication requests",
    ...(options.onLimited === undefined ? {} : { onLimited: options.onLimited }),
  });
  app.post(
    BC_AUTHORIZE_PATH,
    {
      onRequest: limit,
      schema: {
        summary: "Ask a device's user for consent (CIBA)",
        description: DESCRIPTION,
        operationId: "backchannelAuthentication",
        tags: [OAUTH_TAG],
        security: [],
        response: {
          200: success(BackchannelAuthentication, "The request is under way: poll the token endpoint", {
            poll: {
              summary: "Poll every 5 s for up to 5 minutes",
              value: {
                auth_req_id: "5bU0h4Jw0GmC1Vd3cQf2Sx7nT2Y8r1kL9pZ0aE6hW4s",
                expires_in: 300,
                interval: 5,
              },
            },
          }),
          ...oauthErrors(
            {
              error: "invalid_scope",
              code: "INVALID_ARGUMENT",
              summary: "No openid in the scope",
              message: "a CIBA request's scope must contain openid",
            },
            {
              error: "invalid_request",
              code: "INVALID_ARGUMENT",
              summary: "A login_hint of another form",
              message:
                'login_hint "sub:42" is not tel:+<E.164 number>, ipv4:<address>[:<port>] or ipv6:<address>',
            },
            {
              error: "unknown_user_id",
              code: "INVALID_ARGUMENT",
              summary: "A device the network does not know",
              message: "the network knows no device by this login_hint",
            },
            {
              error: "invalid_client",
              code: "UNAUTHENTICATED",
              summary: "Unknown client, revoked client or wrong secret",
              message: "client authentication failed",
            },
            {
              error: "rate_limited",
              code: "TOO_MANY_REQUESTS",
              summary: "Too many requests from this address",
              message: "too many authentication requests from this address",
            },
          ),
        },
      },
    },
    async (request) => {
      const params = request.form ?? new URLSearchParams();
      const client = await clients.authenticate({
        authorization: request.headers.authorization,
        params,
        endpoint: `${publicUrl}${BC_AUTHORIZE_PATH}`,
        ip: request.ip,
      });
      return ciba.authorize(client, params);
    },
  );
};
