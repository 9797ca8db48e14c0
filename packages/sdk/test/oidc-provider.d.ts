// oidc-provider ships no types; these tests use only what they call.
declare module "oidc-provider";
