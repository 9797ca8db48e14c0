import type { GrantHandler } from "./grants.ts";
import { requestedScopes } from "./requested-scopes.ts";

export const CLIENT_CREDENTIALS = "client_credentials";

/** RFC 6749 §4.4: a two-legged token with the scopes asked for (every scope of the client by default). */
export const clientCredentialsGrant: GrantHandler = async (client, params) => ({
  scopes: requestedScopes(client.scopes, params.get("scope")),
  device: null,
});
