import { render } from "preact";
import { useMemo, useState } from "preact/hooks";
import { Api, type Credentials } from "./api.ts";
import { ApiContext, useRoute } from "./context.ts";
import { loadCredentials, saveCredentials } from "./credentials.ts";
import { OperationsPage } from "./operations-page.tsx";
import { SandboxPage } from "./sandbox-page.tsx";
import { SessionPage } from "./session-page.tsx";
import { SessionsPage } from "./sessions-page.tsx";
import { SignIn } from "./sign-in.tsx";
import "./styles.css";

function App() {
  const [credentials, setCredentials] = useState<Credentials | null>(loadCredentials());
  const signIn = (next: Credentials | null) => {
    saveCredentials(next);
    setCredentials(next);
  };
  // One Api for the tab; it reads the stored credential on every request.
  const api = useMemo(
    () =>
      new Api(
        () => loadCredentials(),
        () => signIn(null),
      ),
    [],
  );
  const route = useRoute();
  if (credentials === null) return <SignIn onSignedIn={signIn} />;
  const [page = "sessions", id] = route;
  return (
    <ApiContext.Provider value={api}>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">OpenQoD</span>
        <nav aria-label="Main">
          <a href="#/sessions" aria-current={page === "sessions" ? "page" : undefined}>
            Sessions
          </a>
          <a href="#/sandbox" aria-current={page === "sandbox" ? "page" : undefined}>
            Sandbox
          </a>
          <a href="#/operations" aria-current={page === "operations" ? "page" : undefined}>
            Operations
          </a>
        </nav>
        <span class="who">Signed in as {credentials.label}</span>
        <button type="button" class="secondary" onClick={() => signIn(null)}>
          Sign out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        {page === "sessions" && id !== undefined ? (
          <SessionPage sessionId={id} />
        ) : page === "sandbox" ? (
          <SandboxPage />
        ) : page === "operations" ? (
          <OperationsPage />
        ) : (
          <SessionsPage />
        )}
      </main>
    </ApiContext.Provider>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
