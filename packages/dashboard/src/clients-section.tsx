import { useCallback, useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { messageOf } from "./api.ts";
import { useApi } from "./context.ts";
import { when } from "./format.ts";
import type { ApiClient, IssuedCredentials } from "./wire.ts";

/** API clients (operators only): create, rotate, revoke; a new key or secret is shown once. */
export function ClientsSection() {
  const api = useApi();
  const [clients, setClients] = useState<ApiClient[]>([]);
  const [name, setName] = useState("");
  const [issued, setIssued] = useState<IssuedCredentials | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setClients((await api.get<{ clients: ApiClient[] }>("/admin/v1/clients")).clients);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const run = async (action: () => Promise<IssuedCredentials | undefined>) => {
    setError(null);
    try {
      const result = await action();
      if (result !== undefined) setIssued(result);
      await load();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const named = (client: ApiClient) => encodeURIComponent(client.name);
  return (
    <section class="card" aria-labelledby="clients-heading">
      <h2 id="clients-heading">API clients</h2>
      <Alert message={error} />
      {issued !== null && (
        <section aria-label="Shown once" class="once">
          <p>
            <strong>Shown once:</strong> copy these now for <strong>{issued.name}</strong>; OpenQoD keeps only
            their hashes.
          </p>
          <dl>
            <dt>Client ID</dt>
            <dd class="mono">{issued.clientId}</dd>
            {issued.apiKey !== undefined && (
              <>
                <dt>API key</dt>
                <dd class="mono" data-testid="issued-api-key">
                  {issued.apiKey}
                </dd>
              </>
            )}
            {issued.clientSecret !== undefined && (
              <>
                <dt>Client secret</dt>
                <dd class="mono" data-testid="issued-client-secret">
                  {issued.clientSecret}
                </dd>
              </>
            )}
          </dl>
          <button type="button" class="secondary" onClick={() => setIssued(null)}>
            Done
          </button>
        </section>
      )}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const made = await api.post<IssuedCredentials>("/admin/v1/clients", { name: name.trim() });
            setName("");
            return made;
          });
        }}
      >
        <label for="client-name">Client name</label>
        <input id="client-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit">Create client</button>
      </form>
      <div class="table-wrap">
        <table aria-label="API clients">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Client ID</th>
              <th scope="col">Scopes</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {clients.map((client) => (
              <tr key={client.clientId}>
                <td>{client.name}</td>
                <td class="mono">{client.clientId}</td>
                <td>{client.scopes === null ? "all but operator" : client.scopes.join(" ")}</td>
                <td>{when(client.createdAt)}</td>
                <td>{client.revokedAt === undefined ? "active" : `revoked ${when(client.revokedAt)}`}</td>
                <td class="buttons">
                  <button
                    type="button"
                    class="secondary"
                    onClick={() =>
                      run(() => api.post<IssuedCredentials>(`/admin/v1/clients/${named(client)}/rotate`, {}))
                    }
                  >
                    Rotate {client.name}
                  </button>
                  {client.revokedAt === undefined && (
                    <button
                      type="button"
                      class="danger"
                      onClick={() =>
                        run(async () => {
                          await api.request("DELETE", `/admin/v1/clients/${named(client)}`);
                          return undefined;
                        })
                      }
                    >
                      Revoke {client.name}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
