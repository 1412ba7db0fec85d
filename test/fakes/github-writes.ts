import type { Answer, GitHubState, HandlerInput, RouteDef } from "./github-routes.ts";
import { notFound, paginate, repoOf } from "./github-routes.ts";
import { integration, isoNow, nodeId, type Schemas } from "./github-shapes.ts";
import { commentableLines } from "./github-shapes-pulls.ts";

/** The routes the product writes through: check runs, issue comments, pull reviews, commit statuses. */
const DOCS = "https://docs.github.com/rest";
const invalid = (message: string): Answer => ({ status: 422, body: { message, documentation_url: DOCS, status: "422" } });
const validationFailed = (resource: string, field: string, message: string): Answer => ({
  status: 422,
  body: { message: "Validation Failed", errors: [{ resource, code: "custom", field, message }], documentation_url: DOCS, status: "422" },
});
const unprocessable = (error: string): Answer => ({ status: 422, body: { message: "Unprocessable Entity", errors: [error], documentation_url: DOCS, status: "422" } });

type Json = Record<string, any>;
const CHECK_STATUSES = ["queued", "in_progress", "completed"];
const CONCLUSIONS = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];

function knownShas(s: GitHubState, input: HandlerInput): Set<string> {
  const repo = repoOf(s, input.params);
  const shas = new Set<string>();
  for (const { seed } of repo.pulls.values()) shas.add(seed.head.sha).add(seed.base.sha);
  for (const key of repo.comparisons.keys()) for (const sha of key.split("...")) shas.add(sha);
  for (const sha of repo.git.commits.keys()) shas.add(sha);
  return shas;
}

function checkRunProblem(body: Json, creating: boolean): Answer | undefined {
  if (creating) for (const field of ["name", "head_sha"]) if (typeof body[field] !== "string" || !body[field]) return invalid(`Invalid request.\n\n"${field}" wasn't supplied.`);
  if (body.status !== undefined && !CHECK_STATUSES.includes(body.status)) return invalid(`Invalid request.\n\n${JSON.stringify(body.status)} is not a member of ${JSON.stringify(CHECK_STATUSES)}.`);
  if (body.conclusion !== undefined && body.conclusion !== null && !CONCLUSIONS.includes(body.conclusion)) return invalid(`Invalid request.\n\n${JSON.stringify(body.conclusion)} is not a member of ${JSON.stringify(CONCLUSIONS)}.`);
  if (body.status === "completed" && !body.conclusion) return invalid("Invalid request.\n\nNo conclusion given for a completed check run.");
  const output = body.output as Json | undefined;
  if (output !== undefined) {
    for (const field of ["title", "summary"]) if (typeof output[field] !== "string") return invalid(`Invalid request.\n\n"${field}" wasn't supplied.`);
    for (const field of ["summary", "text"]) if (typeof output[field] === "string" && output[field].length > 65535) return invalid(`Invalid request.\n\nOnly 65535 characters are allowed; ${output[field].length} were supplied.`);
    const annotations = (output.annotations ?? []) as Json[];
    if (annotations.length > 50) return invalid("Invalid request.\n\nOnly 50 annotations are allowed per request.");
    for (const a of annotations) {
      if (typeof a.path !== "string" || !Number.isInteger(a.start_line) || !Number.isInteger(a.end_line) || !["notice", "warning", "failure"].includes(a.annotation_level) || typeof a.message !== "string") {
        return invalid("Invalid request.\n\nAn annotation needs path, start_line, end_line, annotation_level (notice, warning or failure) and message.");
      }
    }
  }
  return undefined;
}

function applyCheckRun(s: GitHubState, run: Schemas["check-run"], body: Json, annotationsUrl: string) {
  if (body.name) run.name = body.name;
  if (body.details_url !== undefined) run.details_url = body.details_url;
  if (body.external_id !== undefined) run.external_id = body.external_id;
  if (body.conclusion) run.status = "completed";
  else if (body.status) run.status = body.status;
  if (body.conclusion) run.conclusion = body.conclusion;
  if (body.started_at) run.started_at = body.started_at;
  if (run.status === "in_progress" && !run.started_at) run.started_at = isoNow();
  if (run.status === "completed") run.completed_at = body.completed_at ?? run.completed_at ?? isoNow();
  if (body.output) {
    // GitHub replaces title/summary/text and appends annotations.
    run.output = {
      title: body.output.title,
      summary: body.output.summary,
      text: body.output.text ?? null,
      annotations_count: run.output.annotations_count + (body.output.annotations?.length ?? 0),
      annotations_url: annotationsUrl,
    };
  }
  run.app = integration(s.urls, s.app);
}

export function writeRoutes(s: GitHubState): RouteDef[] {
  const api = (input: HandlerInput) => `${s.urls.api}/repos/${repoOf(s, input.params).repo.full_name}`;
  const repoName = (input: HandlerInput) => repoOf(s, input.params).repo.full_name;
  const findRun = (input: HandlerInput) => {
    const run = s.checkRuns.get(Number(input.params.check_run_id));
    return run && run.repo === repoName(input) ? run : undefined;
  };
  const pullOf = (input: HandlerInput, n: string) => repoOf(s, input.params).pulls.get(Number(n));
  const commentBodyProblem = (body: Json) => {
    if (typeof body?.body !== "string" || !body.body) return validationFailed("IssueComment", "body", "body can't be blank");
    if (body.body.length > 65536) return validationFailed("IssueComment", "body", "body is too long (maximum is 65536 characters)");
    return undefined;
  };

  return [
    ["POST /repos/{owner}/{repo}/check-runs", "installation", (input) => {
      const body = (input.body ?? {}) as Json;
      const problem = checkRunProblem(body, true);
      if (problem) return problem;
      if (!knownShas(s, input).has(body.head_sha)) return validationFailed("CheckRun", "head_sha", `No commit found for SHA: ${body.head_sha}`);
      const id = s.nextId();
      const run: Schemas["check-run"] = {
        id,
        head_sha: body.head_sha,
        node_id: nodeId("CR", id),
        external_id: null,
        url: `${api(input)}/check-runs/${id}`,
        html_url: `${s.urls.web}/${repoName(input)}/runs/${id}`,
        details_url: null,
        status: "queued",
        conclusion: null,
        started_at: null,
        completed_at: null,
        output: { title: null, summary: null, text: null, annotations_count: 0, annotations_url: `${api(input)}/check-runs/${id}/annotations` },
        name: body.name,
        check_suite: { id: s.nextId() },
        app: null,
        pull_requests: [],
      };
      applyCheckRun(s, run, body, run.output.annotations_url);
      s.checkRuns.set(id, { repo: repoName(input), data: run });
      return { status: 201, body: run };
    }],
    ["PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", "installation", (input) => {
      const found = findRun(input);
      if (!found) return notFound();
      const body = (input.body ?? {}) as Json;
      const problem = checkRunProblem(body, false);
      if (problem) return problem;
      applyCheckRun(s, found.data, body, found.data.output.annotations_url);
      return { status: 200, body: found.data };
    }],
    ["GET /repos/{owner}/{repo}/check-runs/{check_run_id}", "installation", (input) => {
      const found = findRun(input);
      return found ? { status: 200, body: found.data } : notFound();
    }],
    ["GET /repos/{owner}/{repo}/issues/{issue_number}/comments", "installation", (input) => {
      if (!pullOf(input, input.params.issue_number)) return notFound();
      const all = [...s.comments.values()].filter((c) => c.repo === repoName(input) && c.issueNumber === Number(input.params.issue_number)).map((c) => c.data);
      const page = paginate(all, input);
      return { status: 200, body: page.items, headers: page.headers };
    }],
    ["POST /repos/{owner}/{repo}/issues/{issue_number}/comments", "installation", (input) => {
      if (!pullOf(input, input.params.issue_number)) return notFound();
      const body = input.body as Json;
      const problem = commentBodyProblem(body);
      if (problem) return problem;
      const id = s.nextId();
      const at = isoNow();
      const issueUrl = `${api(input)}/issues/${input.params.issue_number}`;
      const comment: Schemas["issue-comment"] = {
        id,
        node_id: nodeId("IC", id),
        url: `${api(input)}/issues/comments/${id}`,
        html_url: `${s.urls.web}/${repoName(input)}/pull/${input.params.issue_number}#issuecomment-${id}`,
        body: body.body,
        user: s.bot,
        created_at: at,
        updated_at: at,
        issue_url: issueUrl,
        author_association: "NONE",
        performed_via_github_app: integration(s.urls, s.app),
      };
      s.comments.set(id, { repo: repoName(input), issueNumber: Number(input.params.issue_number), data: comment });
      return { status: 201, body: comment, headers: { location: comment.url } };
    }],
    ["PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", "installation", (input) => {
      const found = s.comments.get(Number(input.params.comment_id));
      if (!found || found.repo !== repoName(input)) return notFound();
      const problem = commentBodyProblem(input.body as Json);
      if (problem) return problem;
      found.data.body = (input.body as Json).body;
      found.data.updated_at = isoNow();
      return { status: 200, body: found.data };
    }],
    ["GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", "installation", (input) => {
      if (!pullOf(input, input.params.pull_number)) return notFound();
      const all = s.reviews.filter((r) => r.repo === repoName(input) && r.pullNumber === Number(input.params.pull_number)).map((r) => r.data);
      const page = paginate(all, input);
      return { status: 200, body: page.items, headers: page.headers };
    }],
    ["POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", "installation", (input) => {
      const pull = pullOf(input, input.params.pull_number);
      if (!pull) return notFound();
      const body = (input.body ?? {}) as Json;
      const states: Record<string, string> = { APPROVE: "APPROVED", REQUEST_CHANGES: "CHANGES_REQUESTED", COMMENT: "COMMENTED" };
      if (body.event !== undefined && !states[body.event]) return unprocessable(`Unexpected event: ${body.event}`);
      if ((body.event === "REQUEST_CHANGES" || body.event === "COMMENT") && !body.body && !body.comments?.length) return unprocessable("Review body is required for REQUEST_CHANGES and COMMENT");
      for (const c of (body.comments ?? []) as Json[]) {
        const file = pull.seed.files?.find((f) => f.filename === c.path);
        if (!file) return unprocessable("Path could not be resolved");
        if (c.line !== undefined && (c.side ?? "RIGHT") === "RIGHT" && !commentableLines(file.patch).has(c.line)) return unprocessable("Line could not be resolved");
        if (typeof c.body !== "string" || !c.body) return unprocessable("Comment body can't be blank");
      }
      const id = s.nextId();
      const html = `${s.urls.web}/${repoName(input)}/pull/${input.params.pull_number}#pullrequestreview-${id}`;
      const pullUrl = `${api(input)}/pulls/${input.params.pull_number}`;
      const review: Schemas["pull-request-review"] = {
        id,
        node_id: nodeId("PRR", id),
        user: s.bot,
        body: body.body ?? "",
        state: body.event ? states[body.event] : "PENDING",
        html_url: html,
        pull_request_url: pullUrl,
        _links: { html: { href: html }, pull_request: { href: pullUrl } },
        ...(body.event ? { submitted_at: isoNow() } : {}),
        commit_id: body.commit_id ?? pull.seed.head.sha,
        author_association: "NONE",
      };
      s.reviews.push({ repo: repoName(input), pullNumber: Number(input.params.pull_number), event: body.event, comments: body.comments ?? [], data: review });
      return { status: 200, body: review };
    }],
    ["POST /repos/{owner}/{repo}/statuses/{sha}", "installation", (input) => {
      const body = (input.body ?? {}) as Json;
      if (!["error", "failure", "pending", "success"].includes(body.state)) return validationFailed("Status", "state", "state is not included in the list");
      if (typeof body.description === "string" && body.description.length > 140) return validationFailed("Status", "description", "description is too long (maximum is 140 characters)");
      if (!knownShas(s, input).has(input.params.sha)) return unprocessable(`No commit found for SHA: ${input.params.sha}`);
      const id = s.nextId();
      const at = isoNow();
      const status: Schemas["status"] = {
        url: `${api(input)}/statuses/${input.params.sha}`,
        avatar_url: s.bot.avatar_url,
        id,
        node_id: nodeId("SC", id),
        state: body.state,
        description: body.description ?? null,
        target_url: body.target_url ?? null,
        context: body.context ?? "default",
        created_at: at,
        updated_at: at,
        creator: s.bot,
      };
      s.statuses.push({ repo: repoName(input), sha: input.params.sha, data: status });
      return { status: 201, body: status };
    }],
  ];
}
