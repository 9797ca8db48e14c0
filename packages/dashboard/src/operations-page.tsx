import { useCallback, useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { messageOf } from "./api.ts";
import { DeliveriesLastHour, SessionsByStatus } from "./charts.tsx";
import { ClientsSection } from "./clients-section.tsx";
import { useApi } from "./context.ts";
import { when } from "./format.ts";
import type { DeliveryStats, Sink } from "./wire.ts";

const REFRESH_MS = 5_000;

/** API clients, sink health and the last hour in numbers. */
export function OperationsPage() {
  const api = useApi();
  const [sinks, setSinks] = useState<Sink[]>([]);
  const [stats, setStats] = useState<DeliveryStats | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    await api.get<{ sinks: Sink[] }>("/notifications/v1/sinks").then(
      (s) => setSinks(s.sinks),
      (e: unknown) => setError(messageOf(e)),
    );
    await api.get<DeliveryStats>("/notifications/v1/stats").then(setStats, () => undefined);
  }, [api]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const toggle = async (sink: Sink) => {
    setError(null);
    try {
      await api.post(`/notifications/v1/sinks/${sink.state === "paused" ? "resume" : "pause"}`, {
        origin: sink.origin,
      });
      await load();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <>
      <h1>Operations</h1>
      <Alert message={error} />
      <ClientsSection />
      <section class="card" aria-labelledby="sinks-heading">
        <h2 id="sinks-heading">Sinks</h2>
        <div class="table-wrap">
          <table aria-label="Sinks">
            <thead>
              <tr>
                <th scope="col">Origin</th>
                <th scope="col">State</th>
                <th scope="col">Paused by</th>
                <th scope="col">Failures</th>
                <th scope="col">Success rate</th>
                <th scope="col">Backlog</th>
                <th scope="col">Last success</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {sinks.length === 0 && (
                <tr>
                  <td colSpan={8}>No sink has been sent anything yet.</td>
                </tr>
              )}
              {sinks.map((sink) => (
                <tr key={sink.origin}>
                  <td class="mono">{sink.origin}</td>
                  <td>
                    <span class={`badge ${sink.state}`}>{sink.state}</span>
                    {sink.nextProbeAt !== undefined && (
                      <span class="reason"> probe {when(sink.nextProbeAt)}</span>
                    )}
                  </td>
                  <td>{sink.pausedBy ?? "—"}</td>
                  <td>{sink.consecutiveFailures}</td>
                  <td>
                    {sink.recentSuccessRate === undefined
                      ? "—"
                      : `${Math.round(sink.recentSuccessRate * 100)} %`}
                  </td>
                  <td>{sink.backlog ?? 0}</td>
                  <td>{when(sink.lastSuccessAt)}</td>
                  <td>
                    <button type="button" class="secondary" onClick={() => toggle(sink)}>
                      {sink.state === "paused" ? "Resume" : "Pause"}
                      <span class="visually-hidden"> {sink.origin}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="charts-heading">
        <h2 id="charts-heading">Charts</h2>
        <div class="charts">
          <SessionsByStatus stats={stats} />
          <DeliveriesLastHour stats={stats} />
        </div>
      </section>
    </>
  );
}
