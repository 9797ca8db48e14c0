import { Type } from "@sinclair/typebox";
import type { Example } from "./docs.ts";

/**
 * The webhook secrets of the notifications API (`/notifications/v1/webhook-secrets`): the caller's
 * Standard Webhooks signing secrets, their rotation with a grace period, and turning signing off.
 */

/** The longest grace a rotation may ask for (seconds): a week, past OpenQoD's 28-hour retry horizon. */
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

export const WebhookSecret = Type.Object({
  id: Type.String({ format: "uuid" }),
  secret: Type.String({
    description:
      "`whsec_` and the base64 of 32 random bytes: give it to your receiver (Standard Webhooks libraries take it as it is).",
  }),
  createdAt: Type.String({ format: "date-time" }),
  retiresAt: Type.Optional(
    Type.String({
      format: "date-time",
      description: "When a rotated-out secret stops signing; absent for the current secret.",
    }),
  ),
});

export const WebhookSecretList = Type.Object({
  secrets: Type.Array(WebhookSecret, {
    description:
      "Every secret that signs the caller's notifications now, the current one first: each attempt carries one `v1,` signature per secret. Empty: notifications are not signed.",
  }),
});

export const RotateWebhookSecret = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_GRACE_SECONDS,
        description:
          "How long the secret current until now still signs, in seconds (0: it stops at once). Default: the server's OPENQOD_WEBHOOK_SECRET_GRACE (24 h).",
        examples: [3600],
      }),
    ),
  },
  { additionalProperties: false },
);

const current = {
  id: "0193a5b2-4c1e-7a10-9b2c-3d4e5f6071a1",
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6Sb3V6+7dpY=",
  createdAt: "2026-06-01T12:00:00.000Z",
};
const retiring = {
  id: "0193a5b2-4c1e-7a10-9b2c-3d4e5f6071a0",
  secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD2AbhpYEFDFA=",
  createdAt: "2026-05-20T09:30:00.000Z",
  retiresAt: "2026-06-02T12:00:00.000Z",
};

export const secretListExamples: Record<string, Example> = {
  signed: { summary: "Signed with one secret", value: { secrets: [current] } },
  unsigned: { summary: "Not signed (no secret)", value: { secrets: [] } },
};

export const rotatedExamples: Record<string, Example> = {
  rotated: {
    summary: "A new current secret; the previous one signs for a day more",
    value: { secrets: [current, retiring] },
  },
};

export const rotateExamples: Record<string, Example> = {
  defaultGrace: { summary: "The server's grace period (24 h by default)", value: {} },
  oneHour: { summary: "The previous secret signs for one more hour", value: { graceSeconds: 3600 } },
  now: { summary: "The previous secret stops at once (it leaked)", value: { graceSeconds: 0 } },
};
