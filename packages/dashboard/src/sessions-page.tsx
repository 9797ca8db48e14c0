import { useCallback, useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { messageOf } from "./api.ts";
import { useApi, useNow } from "./context.ts";
import { CreateSessionForm } from "./create-form.tsx";
import { deviceLabel, flowLabel, timeLeft } from "./format.ts";
import { streamSessionEvents } from "./sse.ts";
import type { QosStatus, SessionInfo, SessionList } from "./wire.ts";

const STATUSES: readonly QosStatus[] = ["REQUESTED", "AVAILABLE", "UNAVAILABLE"];
const MAX_PAGES = 50;

/** The client's sessions, kept up to date by the session-events stream, with filters and a create form. */
export function SessionsPage() {
  const api = useApi();
  const now = useNow();
  const [sessions, setSessions] = useState<Map<string, SessionInfo>>(new Map());
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<"" | QosStatus>("");
  const [phone, setPhone] = useState("");

  // The whole list, page after page (oldest first), up to MAX_PAGES pages of 100.
  const reload = useCallback(async () => {
    try {
      const all: SessionInfo[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`;
        const list = await api.get<SessionList>(`/notifications/v1/sessions?limit=100${query}`);
        all.push(...list.sessions);
        cursor = list.nextCursor;
        if (cursor === undefined) break;
      }
      setSessions(new Map(all.map((s) => [s.sessionId, s])));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [api]);

  useEffect(() => {
    // At once too, so the list shows even while the stream cannot connect.
    void reload();
    return streamSessionEvents(() => api.headers(), {
      onEvent: (event) =>
        setSessions((before) => {
          const next = new Map(before);
          if (event.session === null) next.delete(event.sessionId);
          else next.set(event.sessionId, event.session);
          return next;
        }),
      onState: setLive,
      // Read the list once the stream is open (first time and after every reconnection), so no change
      // falls between the list and the stream; the stream's events then keep it current.
      onConnected: () => void reload(),
      onUnauthorized: () => setError("The credential was refused: sign in again."),
    });
  }, [api, reload]);

  const shown = [...sessions.values()]
    .filter((s) => status === "" || s.qosStatus === status)
    .filter((s) => phone.trim() === "" || (s.device?.phoneNumber ?? "").includes(phone.trim()))
    .reverse();

  return (
    <>
      <div class="title-row">
        <h1>Sessions</h1>
        <span role="status" class={live ? "live on" : "live off"}>
          {live ? "Live" : "Reconnecting…"}
        </span>
      </div>
      <Alert message={error} />
      <div class="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as "" | QosStatus)}>
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Phone number filter
          <input type="search" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
        </label>
      </div>
      <div class="table-wrap">
        <table aria-label="Sessions">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Status</th>
              <th scope="col">Device</th>
              <th scope="col">Profile</th>
              <th scope="col">Flow</th>
              <th scope="col">Time left</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={6}>
                  No sessions{status !== "" || phone !== "" ? " match the filters" : " yet"}.
                </td>
              </tr>
            )}
            {shown.map((s) => (
              <tr key={s.sessionId}>
                <td>
                  <a href={`#/sessions/${encodeURIComponent(s.sessionId)}`} class="mono">
                    {s.sessionId}
                  </a>
                </td>
                <td>
                  <span class={`badge ${s.qosStatus.toLowerCase()}`}>{s.qosStatus}</span>
                  {s.statusInfo !== undefined && <span class="reason"> {s.statusInfo}</span>}
                </td>
                <td>{deviceLabel(s.device)}</td>
                <td>{s.qosProfile}</td>
                <td>{flowLabel(s)}</td>
                <td>{timeLeft(s, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CreateSessionForm onCreated={(s) => setSessions((before) => new Map(before).set(s.sessionId, s))} />
    </>
  );
}
