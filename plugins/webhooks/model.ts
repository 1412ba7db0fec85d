import { z } from "zod";

/** The lifecycle event catalog (spec: "Webhooks" and "Other lifecycle events"), with what each one is for. */
export const LIFECYCLE_EVENT_CATALOG = {
  "review.run.completed": "A review run finished: verdict, risk, summary and findings",
  "review.run.failed": "A review run failed: failureReason and summary, no findings",
  "checkpoint.gate.evaluated": "Checkpoint pre-filter outcome (pass / warn / block) before a full review",
  "merge_policy.evaluated": "Programmatic merge-policy outcome after a review",
  "passport.snapshot.created": "A change passport recorded a new immutable snapshot (audit / compliance)",
  "remedy.run.completed": "A fix run finished; the new head SHA may need a re-review",
  "remedy.run.failed": "A fix run ended without a re-reviewed fix (failureReason says why: head moved, fork, limits…)",
  "coding_agent.run.idle": "A coding-agent run on one of the installation's repositories finished a turn: patch (and branch / PR) ready, sandbox warm for follow-ups",
  "coding_agent.run.completed": "A coding-agent run ended after its last turn (its warm sandbox was released)",
  "coding_agent.run.failed": "A coding-agent run failed or hit one of its limits (failureReason says which)",
} as const;
export type LifecycleEvent = keyof typeof LIFECYCLE_EVENT_CATALOG;
export const LIFECYCLE_EVENTS = Object.keys(LIFECYCLE_EVENT_CATALOG) as [LifecycleEvent, ...LifecycleEvent[]];
export const DEFAULT_LIFECYCLE_EVENTS: LifecycleEvent[] = ["review.run.completed", "review.run.failed"];

const repositoryName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/repo").max(200);

export const createEndpointBody = z.strictObject({
  url: z.url("must be an absolute https URL").max(2_000, "must be at most 2000 characters"),
  secret: z.string({ error: "is required (at least 32 characters)" }).min(32, "must be at least 32 characters").max(500, "must be at most 500 characters"),
  events: z
    .array(z.enum(LIFECYCLE_EVENTS, { error: `must be one of: ${LIFECYCLE_EVENTS.join(", ")}` }))
    .min(1, `must name at least one of: ${LIFECYCLE_EVENTS.join(", ")}`)
    .max(LIFECYCLE_EVENTS.length)
    .optional()
    .describe("Default: review.run.completed, review.run.failed"),
  repositories: z.array(repositoryName).min(1).max(100).optional().describe("Only these repositories (owner/repo); default: every repository of your installations"),
  description: z.string().max(200).optional(),
});
export type CreateEndpointInput = z.output<typeof createEndpointBody>;

const iso = z.string().describe("ISO 8601 timestamp");

export const endpointObject = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.enum(LIFECYCLE_EVENTS)),
  repositories: z.array(z.string()).nullable(),
  secretHint: z.string().describe("The secret is never returned after save: its last four characters only"),
  status: z.enum(["active", "disabled"]),
  disabledReason: z.string().nullable(),
  disabledAt: iso.nullable(),
  createdAt: iso,
  updatedAt: iso,
});
export type EndpointView = z.output<typeof endpointObject>;

export const eventCatalogObject = z.array(z.object({ name: z.enum(LIFECYCLE_EVENTS), description: z.string() }));

export const attemptObject = z.object({
  number: z.number().int(),
  startedAt: iso,
  latencyMs: z.number().int().nullable(),
  statusCode: z.number().int().nullable(),
  responseBody: z.string().nullable().describe("The receiver's answer, truncated to 1 KiB"),
  error: z.string().nullable(),
  outcome: z.enum(["delivered", "retry", "failed", "gone", "interrupted"]).nullable().describe("null while in flight"),
});

export const deliveryObject = z.object({
  id: z.string().describe("Sent as X-Critique-Webhook-ID and webhook-id; the same on every attempt and redelivery"),
  event: z.string(),
  status: z.enum(["pending", "delivered", "failed", "cancelled"]),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  nextAttemptAt: iso.nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  repository: z.string().nullable(),
  createdAt: iso,
  deliveredAt: iso.nullable(),
  attemptLog: z.array(attemptObject),
});
export type DeliveryView = z.output<typeof deliveryObject>;

export const endpointParams = z.object({ id: z.string().max(100) });
export const deliveryParams = z.object({ id: z.string().max(100), deliveryId: z.string().max(100) });

export const listDeliveriesQuery = z.object({
  status: z.enum(["pending", "delivered", "failed", "cancelled"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "must be a nextCursor value from a previous page")
    .optional(),
});
export type ListDeliveriesQuery = z.output<typeof listDeliveriesQuery>;
