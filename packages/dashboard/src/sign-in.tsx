import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import type { Credentials } from "./api.ts";
import { messageOf } from "./api.ts";
import { sandboxSignInAvailable, signInAsSandbox, signInWithClient, signInWithKey } from "./credentials.ts";

/** The first page: the sandbox in one click (on loopback), an API key, or OAuth2 client credentials. */
export function SignIn({ onSignedIn }: { onSignedIn: (credentials: Credentials) => void }) {
  const [sandbox, setSandbox] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState("");
  const [clientId, setClientId] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    sandboxSignInAvailable().then(setSandbox, () => setSandbox(false));
  }, []);

  const attempt = async (signIn: () => Promise<Credentials>) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn());
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="content" class="sign-in">
      <h1>Sign in to OpenQoD</h1>
      <Alert message={error} />
      {sandbox && (
        <section aria-labelledby="sandbox-heading" class="card">
          <h2 id="sandbox-heading">This sandbox</h2>
          <p>This server is a sandbox on this machine: sign in as its sandbox client.</p>
          <button type="button" disabled={busy} onClick={() => attempt(signInAsSandbox)}>
            Sign in as the sandbox client
          </button>
        </section>
      )}
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(() => signInWithKey(key));
        }}
      >
        <h2 id="key-heading">With an API key</h2>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in with API key
        </button>
      </form>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(() => signInWithClient(clientId, secret));
        }}
      >
        <h2 id="client-heading">With OAuth2 client credentials</h2>
        <label for="client-id">Client ID</label>
        <input
          id="client-id"
          autocomplete="off"
          required
          value={clientId}
          onInput={(e) => setClientId(e.currentTarget.value)}
        />
        <label for="client-secret">Client secret</label>
        <input
          id="client-secret"
          type="password"
          autocomplete="off"
          required
          value={secret}
          onInput={(e) => setSecret(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in with client credentials
        </button>
      </form>
      <p class="hint">The credential is kept only in this browser tab and is never put in a URL.</p>
    </main>
  );
}
