import type { Device } from "../domain/types.ts";

/** Who is calling, as every credential (API key, own or external access token) resolves it. */
export interface Principal {
  /** The API client that owns the sessions it creates. */
  clientId: string;
  name: string;
  /** What this request may do: an API key carries every scope of its client, a token those it was issued. */
  scopes: ReadonlySet<string>;
  /**
   * The device a three-legged token is bound to: the request names no device, its sessions and
   * profiles are that device's, and responses leave it out. null for a two-legged credential.
   */
  device: Device | null;
}
