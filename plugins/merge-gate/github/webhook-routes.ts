import { createHash } from "node:crypto";
import { Elysia } from "elysia";
import { z } from "zod";
import type { AppContext } from "../../../src/context.ts";
import { AppError } from "../../../src/errors.ts";
import { checkDeliveryHeaders, verifyGitHubDelivery } from "../../../src/github/webhook-signature.ts";
import { readCappedText } from "../../../src/http/capped-body.ts";
import { githubEventJob, HANDLED_EVENTS } from "./event-job.ts";

/** GitHub caps webhook payloads at 25 MB; anything larger is not GitHub and is refused before it is read. */
const MAX_DELIVERY_BYTES = 25 * 1024 * 1024;

/**
 * GitHub App deliveries. Refused before reading when unsigned, size-capped, verified against the raw bytes, deduplicated on X-GitHub-Delivery and on the
 * body (a signed body replayed under a new id starts nothing), answered at once: the work happens in a job, so
 * GitHub never waits on a review (it gives up after 10 s).
 */
export const githubWebhookRoutes = (ctx: AppContext) =>
  new Elysia({ name: "github-webhooks" }).post(
    "/api/github/webhooks",
    async ({ request, set }) => {
      const secret = ctx.config.env.CRITIQUE_GITHUB_WEBHOOK_SECRET;
      const signature = request.headers.get("x-hub-signature-256");
      checkDeliveryHeaders(secret, signature);
      const raw = await readCappedText(request, MAX_DELIVERY_BYTES);
      await verifyGitHubDelivery(secret, raw, signature);
      const event = request.headers.get("x-github-event") ?? "";
      const deliveryId = request.headers.get("x-github-delivery") ?? "";
      if (!event || !deliveryId) throw new AppError("BAD_REQUEST", "X-GitHub-Event and X-GitHub-Delivery headers are required");
      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        throw new AppError("BAD_REQUEST", "delivery body is not JSON (configure the App's webhook content type as application/json)");
      }
      const { githubDeliveries: t } = ctx.tables;
      // A known delivery id (GitHub's redelivery) or a known body under a new id (a replay) is a duplicate.
      const bodyHash = createHash("sha256").update(raw).digest("hex");
      const fresh = await ctx.db.insert(t).values({ id: deliveryId.slice(0, 200), event, receivedAt: new Date(), bodyHash }).onConflictDoNothing().returning();
      if (!fresh.length) return { status: "duplicate", deliveryId };
      if (!HANDLED_EVENTS.includes(event)) return { status: "ignored", deliveryId };
      await ctx.jobs.enqueue(githubEventJob, { deliveryId, event, payload });
      set.status = 202;
      return { status: "queued", deliveryId };
    },
    {
      parse: "none",
      response: { 200: z.object({ status: z.string(), deliveryId: z.string() }), 202: z.object({ status: z.string(), deliveryId: z.string() }) },
      detail: { tags: ["GitHub"], summary: "GitHub App webhook receiver (X-Hub-Signature-256 verified)" },
    },
  );
