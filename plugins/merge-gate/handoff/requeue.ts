import { NEW_HEAD_PLACEHOLDER, type Requeue } from "./model.ts";

/**
 * The request that re-queues the review once the fix is pushed: `POST /api/v1/reviews` on this server, with the
 * curl written exactly as the spec shows it. The key stays a placeholder: a handoff never carries a credential.
 */
export function requeueRequest(publicUrl: string, run: { repository: string; pullRequestNumber: number }): Requeue {
  const url = `${publicUrl}/api/v1/reviews`;
  const body = { repositoryFullName: run.repository, pullRequestNumber: run.pullRequestNumber, headSha: NEW_HEAD_PLACEHOLDER } as const;
  // Repository names cannot hold a quote today; escaping anyway keeps the single-quoted shell string closed.
  const json = JSON.stringify(body, null, 2).replaceAll("\n", "\n  ").replaceAll("'", "'\\''");
  const curl = [`curl ${url} \\`, `  -H "Authorization: Bearer crt_YOUR_KEY" \\`, `  -H "Content-Type: application/json" \\`, `  -d '${json}'`].join("\n");
  return { method: "POST", url, body, curl };
}
