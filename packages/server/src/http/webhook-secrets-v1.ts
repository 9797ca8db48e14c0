import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { WebhookSecretService } from "../service/webhook-secrets.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { errors, NO_KEY, NOT_JSON, success, withExamples } from "./docs.ts";
import {
  MAX_GRACE_SECONDS,
  RotateWebhookSecret,
  rotatedExamples,
  rotateExamples,
  secretListExamples,
  WebhookSecretList,
} from "./schemas-webhook-secrets.ts";

export interface WebhookSecretsV1Options {
  webhookSecrets: WebhookSecretService;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

const tags = ["Notifications"];

/** The 403 of a device-bound token: the secrets are the whole client's. */
const DEVICE_TOKEN = {
  code: "PERMISSION_DENIED",
  summary: "A token bound to one device",
  message:
    "Webhook secrets belong to the whole API client: use its own credential, not a token bound to a device.",
} as const;

const HOW_TO_VERIFY =
  "Each attempt then carries `webhook-id` (the notification's id), `webhook-timestamp` (the attempt's time, Unix seconds) and `webhook-signature` " +
  "(`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the secret's base64-decoded bytes; one per secret, space-separated), " +
  "as Standard Webhooks specifies. `@openqod/receiver` checks them when given the secret (`webhookSecret`). " +
  "A change counts on the server that made it at once, on other servers sharing the database within 5 s.";

/**
 * The caller's Standard Webhooks signing secrets, mounted beside the notifications API at
 * /notifications/v1/webhook-secrets: read them, rotate (a new current secret; the previous one signs
 * for a grace period), delete (notifications go out unsigned).
 */
export const webhookSecretsV1: FastifyPluginAsync<WebhookSecretsV1Options> = async (
  app,
  { webhookSecrets, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));

  app.get(
    "/webhook-secrets",
    {
      schema: {
        operationId: "getWebhookSecrets",
        tags,
        summary: "The secrets that sign the caller's notifications",
        description: `The calling API client's signing secrets that sign now, the current one first; none when its notifications are not signed. ${HOW_TO_VERIFY}`,
        response: {
          200: success(WebhookSecretList, "The caller's signing secrets", secretListExamples),
          ...errors(NO_KEY, DEVICE_TOKEN),
        },
      },
    },
    async (request) => ({ secrets: await webhookSecrets.list(request.owner) }),
  );

  app.post<{ Body: Static<typeof RotateWebhookSecret> }>(
    "/webhook-secrets/rotate",
    {
      // No body at all is the same as `{}`: the server's grace period.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        operationId: "rotateWebhookSecret",
        tags,
        summary: "Make a new signing secret (and turn signing on)",
        description:
          "Makes a new current secret and answers every secret that now signs. The secret current until now keeps signing for `graceSeconds` " +
          "(the server's OPENQOD_WEBHOOK_SECRET_GRACE, 24 h, unless given), so notifications carry both signatures while the receiver moves to the new one; " +
          `a rotation keeps at most four retiring secrets. The first rotation turns signing on. ${HOW_TO_VERIFY}`,
        body: withExamples(RotateWebhookSecret, rotateExamples),
        response: {
          200: success(WebhookSecretList, "The secrets that now sign, the new one first", rotatedExamples),
          ...errors(
            {
              code: "INVALID_ARGUMENT",
              summary: "A grace period out of range",
              message: `graceSeconds must be at most ${MAX_GRACE_SECONDS}`,
            },
            NOT_JSON,
            NO_KEY,
            DEVICE_TOKEN,
          ),
        },
      },
    },
    async (request) => {
      const { graceSeconds } = request.body;
      return {
        secrets: await webhookSecrets.rotate(
          request.owner,
          ...(graceSeconds === undefined ? [] : [graceSeconds * 1000]),
        ),
      };
    },
  );

  app.delete(
    "/webhook-secrets",
    {
      schema: {
        operationId: "deleteWebhookSecrets",
        tags,
        summary: "Stop signing the caller's notifications",
        description:
          "Deletes every signing secret of the calling API client, so its notifications go out without `webhook-*` headers " +
          "(at once on this server, within 5 s on others). Idempotent: 204 when there were none.",
        response: {
          204: Type.Null({ "x-response-description": "No secret left; notifications are not signed" }),
          ...errors(NO_KEY, DEVICE_TOKEN),
        },
      },
    },
    async (request, reply) => {
      await webhookSecrets.delete(request.owner);
      return reply.status(204).send();
    },
  );
};
