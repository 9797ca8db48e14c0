import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { DeliveryStats, QosStatus } from "./wire.ts";

const STATUSES: readonly QosStatus[] = ["REQUESTED", "AVAILABLE", "UNAVAILABLE"];

/** Sessions by status: plain bars (three numbers need no chart library), with the numbers as text. */
export function SessionsByStatus({ stats }: { stats: DeliveryStats | null }) {
  const counts = STATUSES.map((s) => stats?.sessions[s] ?? 0);
  const max = Math.max(1, ...counts);
  return (
    <figure class="card chart">
      <figcaption>Sessions by status</figcaption>
      <ul class="bars">
        {STATUSES.map((status, i) => (
          <li key={status}>
            <span class="bar-label">{status}</span>
            <span
              class={`bar ${status.toLowerCase()}`}
              style={{ width: `${((counts[i] ?? 0) / max) * 100}%` }}
            />
            <span class="bar-value">{counts[i]}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Deliveries and failures per minute over the last hour, drawn by uPlot; the numbers as a hidden table. */
export function DeliveriesLastHour({ stats }: { stats: DeliveryStats | null }) {
  const target = useRef<HTMLDivElement>(null);
  const buckets = stats?.deliveries ?? [];
  useEffect(() => {
    const element = target.current;
    if (element === null || buckets.length === 0) return;
    const data: uPlot.AlignedData = [
      buckets.map((b) => Date.parse(b.start) / 1000),
      buckets.map((b) => b.delivered),
      buckets.map((b) => b.failed),
    ];
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 200,
        series: [
          {},
          { label: "Delivered", stroke: "#1a7f37", width: 2 },
          { label: "Failed", stroke: "#c62828", width: 2 },
        ],
        axes: [{}, { label: "attempts / min" }],
      },
      data,
      element,
    );
    return () => plot.destroy();
  }, [buckets]);
  const delivered = buckets.reduce((n, b) => n + b.delivered, 0);
  const failed = buckets.reduce((n, b) => n + b.failed, 0);
  return (
    <figure class="card chart">
      <figcaption>Deliveries in the last hour</figcaption>
      <div ref={target} aria-hidden="true" />
      <p>
        {delivered} delivered, {failed} failed attempts.
      </p>
      {/* A wrapper: `overflow` does not clip a table box itself. */}
      <div class="visually-hidden">
        <table aria-label="Deliveries per minute">
          <thead>
            <tr>
              <th scope="col">Minute</th>
              <th scope="col">Delivered</th>
              <th scope="col">Failed</th>
            </tr>
          </thead>
          <tbody>
            {buckets
              .filter((b) => b.delivered + b.failed > 0)
              .map((b) => (
                <tr key={b.start}>
                  <td>{new Date(b.start).toLocaleTimeString()}</td>
                  <td>{b.delivered}</td>
                  <td>{b.failed}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
