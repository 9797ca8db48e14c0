import { useCallback, useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { messageOf } from "./api.ts";
import { useApi, useNow } from "./context.ts";
import { deviceLabel, flowLabel, statusLabel, timeLeft, when } from "./format.ts";
import type { Notification, SessionInfo, TimelineEvent } from "./wire.ts";

/** How often the page reads the session again: attempts have no stream of their own. */
const REFRESH_MS = 2_000;

/** One session's story: its state, its timeline, and every notification with every attempt. */
export function SessionPage({ sessionId }: { sessionId: string }) {
  const api = useApi();
  const now = useNow();
  const path = encodeURIComponent(sessionId);
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [gone, setGone] = useState(false);
  const [timeline, setTimeline] = useState<TimelineEvent[]>([]);
  const [notifications, setNotifications] = useState<Notification[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [additional, setAdditional] = useState("60");
  const [confirming, setConfirming] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSession(await api.get<SessionInfo>(`/quality-on-demand/v1/sessions/${path}`));
    } catch (e) {
      if ((e as { status?: number }).status === 404) setGone(true);
      else setError(messageOf(e));
    }
    await api.get<{ events: TimelineEvent[] }>(`/notifications/v1/sessions/${path}/timeline`).then(
      (t) => setTimeline(t.events),
      () => undefined,
    );
    await api.get<{ notifications: Notification[] }>(`/notifications/v1/sessions/${path}/notifications`).then(
      (n) => setNotifications(n.notifications),
      () => undefined,
    );
  }, [api, path]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (label: string, action: () => Promise<unknown>) => {
    setError(null);
    setNotice(null);
    setConfirming(null);
    try {
      await action();
      setNotice(label);
      await load();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  /** A button whose action needs a second, explicit click on "Confirm". */
  const guarded = (name: string, done: string, action: () => Promise<unknown>) =>
    confirming === name ? (
      <span class="confirm">
        <button type="button" class="danger" onClick={() => act(done, action)}>
          Confirm
        </button>
        <button type="button" class="secondary" onClick={() => setConfirming(null)}>
          Cancel
        </button>
      </span>
    ) : (
      <button type="button" class="danger" onClick={() => setConfirming(name)}>
        {name}
      </button>
    );

  const ended = session === null || session.qosStatus === "UNAVAILABLE";
  return (
    <>
      <p>
        <a href="#/sessions">← All sessions</a>
      </p>
      <h1 class="mono-title">Session {sessionId}</h1>
      <Alert message={error} />
      {notice !== null && (
        <p role="status" class="ok">
          {notice}
        </p>
      )}
      {gone && <p class="card">This session no longer exists (deleted, or past its retention).</p>}
      {session !== null && (
        <dl class="card facts">
          <dt>Status</dt>
          <dd>
            <span class={`badge ${session.qosStatus.toLowerCase()}`}>{session.qosStatus}</span>
            {session.statusInfo !== undefined && ` ${session.statusInfo}`}
          </dd>
          <dt>Device</dt>
          <dd>{deviceLabel(session.device)}</dd>
          <dt>Profile</dt>
          <dd>{session.qosProfile}</dd>
          <dt>Flow</dt>
          <dd>{flowLabel(session)}</dd>
          <dt>Duration</dt>
          <dd>{session.duration} s</dd>
          <dt>Time left</dt>
          <dd>{timeLeft(session, now)}</dd>
          <dt>Notifications to</dt>
          <dd class="mono">{session.sink ?? "none"}</dd>
        </dl>
      )}
      {session !== null && (
        <section aria-labelledby="actions-heading" class="card">
          <h2 id="actions-heading">Actions</h2>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              void act("Extended.", () =>
                api.post(`/quality-on-demand/v1/sessions/${path}/extend`, {
                  requestedAdditionalDuration: Number(additional),
                }),
              );
            }}
          >
            <label for="additional">Additional seconds</label>
            <input
              id="additional"
              type="number"
              min="1"
              value={additional}
              onInput={(e) => setAdditional(e.currentTarget.value)}
            />
            <button type="submit" disabled={session.qosStatus !== "AVAILABLE"}>
              Extend
            </button>
          </form>
          <div class="buttons">
            {guarded("Delete session", "Deleted.", () =>
              api.request("DELETE", `/quality-on-demand/v1/sessions/${path}`),
            )}
          </div>
          {!ended && (
            <>
              <h3>Sandbox</h3>
              <div class="buttons">
                {guarded("Network-terminate", "Terminated by the network.", () =>
                  api.post(`/sandbox/v1/sessions/${path}/network-terminate`),
                )}
                {guarded("Expire now", "Expired.", () => api.post(`/sandbox/v1/sessions/${path}/expire`))}
              </div>
            </>
          )}
        </section>
      )}
      <section aria-labelledby="timeline-heading" class="card">
        <h2 id="timeline-heading">Timeline</h2>
        <ol aria-label="Timeline" class="timeline">
          {timeline.map((event) => (
            <li key={event.seq}>
              <time dateTime={event.at}>{when(event.at)}</time> <strong>{event.kind}</strong>{" "}
              {statusLabel(event.qosStatus, event.statusInfo)}
              {event.duration !== undefined && ` · ${event.duration} s`}
              {event.detail !== undefined && ` · ${event.detail}`}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="notifications-heading">
        <h2 id="notifications-heading">Notifications</h2>
        {notifications.length === 0 && (
          <p>No notifications{session?.sink === undefined ? " (no sink)" : " yet"}.</p>
        )}
        {notifications.map((n) => (
          <NotificationCard
            key={n.id}
            notification={n}
            onRedeliver={() =>
              act("Queued for redelivery.", () =>
                api.post(`/notifications/v1/notifications/${encodeURIComponent(n.id)}/redeliver`),
              )
            }
          />
        ))}
      </section>
    </>
  );
}

function NotificationCard({
  notification: n,
  onRedeliver,
}: {
  notification: Notification;
  onRedeliver: () => void;
}) {
  const type = statusLabel(n.qosStatus, n.statusInfo);
  return (
    <article aria-label={`Notification ${type}`} class="card">
      <h3>
        {type} <span class={`badge ${n.state}`}>{n.state}</span>
      </h3>
      <p class="meta">
        Created {when(n.createdAt)} · to <span class="mono">{n.sink}</span>
        {n.nextAttemptAt !== undefined && ` · next attempt ${when(n.nextAttemptAt)}`}
        {n.lastError !== undefined && ` · last error: ${n.lastError}`}
      </p>
      <div class="table-wrap">
        <table aria-label="Attempts">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Latency</th>
              <th scope="col">Status</th>
              <th scope="col">Excerpt</th>
            </tr>
          </thead>
          <tbody>
            {n.attempts.length === 0 && (
              <tr>
                <td colSpan={4}>No attempt yet.</td>
              </tr>
            )}
            {n.attempts.map((a) => (
              <tr key={a.attemptedAt + a.outcome}>
                <td>{when(a.attemptedAt)}</td>
                <td>{a.durationMs} ms</td>
                <td>
                  {a.statusCode ?? a.error ?? a.outcome}
                  {a.probe === true && " (probe)"}
                </td>
                <td class="mono excerpt">{a.responseExcerpt ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" onClick={onRedeliver}>
        Redeliver
      </button>
    </article>
  );
}
