import { useEffect, useState } from "preact/hooks";
import { Alert } from "./alert.tsx";
import { ApiError, messageOf } from "./api.ts";
import { useApi } from "./context.ts";
import type { QosProfile, SessionInfo } from "./wire.ts";

type Field = "phone" | "deviceIpv4" | "serverIpv4" | "profile" | "duration" | "sink" | "token";

const LABELS: Record<Field, string> = {
  phone: "Phone number",
  deviceIpv4: "Device IPv4 address",
  serverIpv4: "Application server IPv4 address",
  profile: "QoS profile",
  duration: "Duration (seconds)",
  sink: "Notification URL",
  token: "Notification auth token",
};

/** The CAMARA codes that are about one field whatever their message says. */
const FIELD_OF_CODE: readonly [RegExp, Field][] = [
  [/DURATION/, "duration"],
  [/QOS_PROFILE/, "profile"],
  [/IDENTIFIER/, "phone"],
  [/INVALID_CREDENTIAL|INVALID_TOKEN/, "token"],
  [/INVALID_SINK/, "sink"],
];

/**
 * Which field an API error is about, so it goes next to that field rather than in a general alert: by
 * its code (`QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE`), else by its message, which names the field first
 * for a schema violation (`device.phoneNumber must be …`).
 */
export function fieldOf(code: string, message: string): Field | null {
  const byCode = FIELD_OF_CODE.find(([pattern]) => pattern.test(code));
  if (byCode !== undefined) return byCode[1];
  const path = /^([A-Za-z][\w.[\]]*)/.exec(message)?.[1] ?? "";
  if (path.startsWith("device.phoneNumber")) return "phone";
  if (path.startsWith("device.ipv4Address")) return "deviceIpv4";
  if (path.startsWith("applicationServer")) return "serverIpv4";
  if (path.startsWith("qosProfile")) return "profile";
  if (path.startsWith("duration")) return "duration";
  if (path.startsWith("sinkCredential")) return "token";
  if (path.startsWith("sink")) return "sink";
  return null;
}

/** The create-session form: what the API says is wrong is shown next to the field it is about. */
export function CreateSessionForm({ onCreated }: { onCreated: (session: SessionInfo) => void }) {
  const api = useApi();
  const [profiles, setProfiles] = useState<string[]>([]);
  const [values, setValues] = useState<Record<Field, string>>({
    phone: "+36721601234567",
    deviceIpv4: "",
    serverIpv4: "233.252.0.2",
    profile: "QOS_L",
    duration: "600",
    sink: "",
    token: "",
  });
  const [fieldError, setFieldError] = useState<{ field: Field; message: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.post<QosProfile[]>("/qos-profiles/v1/retrieve-qos-profiles", {}).then(
      (list) => setProfiles(list.map((p) => p.name)),
      () => setProfiles(["QOS_E", "QOS_S", "QOS_M", "QOS_L"]),
    );
  }, [api]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    setFieldError(null);
    setCreated(null);
    const device: Record<string, unknown> = {};
    if (values.phone.trim() !== "") device.phoneNumber = values.phone.trim();
    if (values.deviceIpv4.trim() !== "") device.ipv4Address = { publicAddress: values.deviceIpv4.trim() };
    const body: Record<string, unknown> = {
      device,
      applicationServer: { ipv4Address: values.serverIpv4.trim() },
      qosProfile: values.profile,
      duration: values.duration.trim() === "" ? undefined : Number(values.duration),
    };
    if (values.sink.trim() !== "") body.sink = values.sink.trim();
    if (values.token.trim() !== "") {
      body.sinkCredential = {
        credentialType: "ACCESSTOKEN",
        accessToken: values.token.trim(),
        accessTokenType: "bearer",
        accessTokenExpiresUtc: new Date(Date.now() + 86_400_000).toISOString(),
      };
    }
    try {
      const session = await api.post<SessionInfo>("/quality-on-demand/v1/sessions", body);
      setCreated(session.sessionId);
      onCreated(session);
    } catch (e) {
      const field = e instanceof ApiError ? fieldOf(e.code, e.message) : null;
      if (field !== null) setFieldError({ field, message: messageOf(e) });
      else setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const input = (field: Field, type = "text") => {
    const invalid = fieldError?.field === field;
    const id = `create-${field}`;
    return (
      <div class="field">
        <label for={id}>{LABELS[field]}</label>
        <input
          id={id}
          type={type}
          value={values[field]}
          aria-invalid={invalid ? "true" : undefined}
          aria-describedby={invalid ? `${id}-error` : undefined}
          onInput={(e) => setValues({ ...values, [field]: e.currentTarget.value })}
        />
        {invalid && (
          <p id={`${id}-error`} class="field-error">
            {fieldError.message}
          </p>
        )}
      </div>
    );
  };

  return (
    <section aria-labelledby="create-heading" class="card">
      <h2 id="create-heading">Create a session</h2>
      <Alert message={error} />
      {created !== null && (
        <p role="status" class="ok">
          Created session <a href={`#/sessions/${created}`}>{created}</a>.
        </p>
      )}
      <form
        class="grid"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {input("phone", "tel")}
        {input("deviceIpv4")}
        {input("serverIpv4")}
        <div class="field">
          <label for="create-profile">{LABELS.profile}</label>
          <select
            id="create-profile"
            value={values.profile}
            aria-invalid={fieldError?.field === "profile" ? "true" : undefined}
            aria-describedby={fieldError?.field === "profile" ? "create-profile-error" : undefined}
            onChange={(e) => setValues({ ...values, profile: e.currentTarget.value })}
          >
            {(profiles.includes(values.profile) ? profiles : [values.profile, ...profiles]).map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          {fieldError?.field === "profile" && (
            <p id="create-profile-error" class="field-error">
              {fieldError.message}
            </p>
          )}
        </div>
        {input("duration", "number")}
        {input("sink", "url")}
        {input("token")}
        <div class="actions">
          <button type="submit" disabled={busy}>
            Create session
          </button>
        </div>
      </form>
    </section>
  );
}
