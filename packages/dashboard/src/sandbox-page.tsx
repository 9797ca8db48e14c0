import { useCallback, useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { messageOf } from "./api.ts";
import { useApi } from "./context.ts";
import { deviceLabel } from "./format.ts";
import type { DeviceOutcome, DeviceRule, DeviceRules } from "./wire.ts";

const OUTCOMES: readonly { value: DeviceOutcome; label: string; says: string }[] = [
  { value: "GRANT", label: "Grant", says: "sessions are granted" },
  { value: "REFUSE", label: "Refuse", says: "sessions are refused by the network" },
  { value: "NOT_FOUND", label: "Not found", says: "404 IDENTIFIER_NOT_FOUND" },
  { value: "SERVICE_NOT_APPLICABLE", label: "Not applicable", says: "422 SERVICE_NOT_APPLICABLE" },
  { value: "PENDING", label: "Pending", says: "REQUESTED until a network event" },
];

const saysOf = (outcome: DeviceOutcome) => OUTCOMES.find((o) => o.value === outcome)?.says ?? outcome;

/** The simulated network's device registry for this client: what it answers for which device. */
export function SandboxPage() {
  const api = useApi();
  const [rules, setRules] = useState<DeviceRules | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [phone, setPhone] = useState("");
  const [outcome, setOutcome] = useState<DeviceOutcome>("GRANT");
  const [delay, setDelay] = useState("");

  const load = useCallback(async () => {
    try {
      setRules(await api.get<DeviceRules>("/sandbox/v1/devices"));
    } catch (e) {
      setError(messageOf(e));
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const save = async () => {
    setError(null);
    try {
      await api.request("PUT", "/sandbox/v1/devices", {
        device: { phoneNumber: phone.trim() },
        outcome,
        ...(delay.trim() === "" ? {} : { activationDelayMs: Number(delay) }),
      });
      setPhone("");
      setDelay("");
      await load();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const remove = async (rule: DeviceRule) => {
    setError(null);
    try {
      await api.request("DELETE", `/sandbox/v1/devices/${encodeURIComponent(rule.id ?? "")}`);
      await load();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <>
      <h1>Sandbox</h1>
      <p>
        What the simulated network does for your devices. A session's own page has "Network-terminate" and
        "Expire now".
      </p>
      <Alert message={error} />
      <form
        class="card grid"
        aria-labelledby="rule-heading"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2 id="rule-heading">Set a device rule</h2>
        <div class="field">
          <label for="rule-phone">Phone number</label>
          <input
            id="rule-phone"
            type="tel"
            required
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="rule-outcome">Outcome</label>
          <select
            id="rule-outcome"
            value={outcome}
            onChange={(e) => setOutcome(e.currentTarget.value as DeviceOutcome)}
          >
            {OUTCOMES.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rule-delay">Activation delay (ms)</label>
          <input
            id="rule-delay"
            type="number"
            min="0"
            value={delay}
            onInput={(e) => setDelay(e.currentTarget.value)}
          />
        </div>
        <div class="actions">
          <button type="submit">Save rule</button>
        </div>
      </form>
      <RuleTable
        label="Device rules"
        rules={rules?.devices ?? []}
        empty="No rules of your own: every device is granted."
        onRemove={remove}
      />
      <RuleTable label="Test devices" rules={rules?.testDevices ?? []} empty="None." />
    </>
  );
}

function RuleTable(props: {
  label: string;
  rules: DeviceRule[];
  empty: string;
  onRemove?: (rule: DeviceRule) => void;
}) {
  const { label, rules, empty, onRemove } = props;
  return (
    <section class="card" aria-label={label}>
      <h2>{label}</h2>
      <div class="table-wrap">
        <table aria-label={label}>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Outcome</th>
              <th scope="col">Activation delay</th>
              {onRemove !== undefined && <th scope="col">Remove</th>}
            </tr>
          </thead>
          <tbody>
            {rules.length === 0 && (
              <tr>
                <td colSpan={onRemove === undefined ? 3 : 4}>{empty}</td>
              </tr>
            )}
            {rules.map((rule) => (
              <tr key={rule.id ?? deviceLabel(rule.device)}>
                <td class="mono">{deviceLabel(rule.device)}</td>
                <td>
                  {rule.outcome} <span class="reason">({saysOf(rule.outcome)})</span>
                </td>
                <td>{rule.activationDelayMs === undefined ? "—" : `${rule.activationDelayMs} ms`}</td>
                {onRemove !== undefined && (
                  <td>
                    <button type="button" class="secondary" onClick={() => onRemove(rule)}>
                      Remove rule for {deviceLabel(rule.device)}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
