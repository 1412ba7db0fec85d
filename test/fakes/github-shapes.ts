import type { components } from "@octokit/openapi-types";

/**
 * GitHub's REST objects, built for the fake. Each builder is typed with the schema from @octokit/openapi-types,
 * so a required field missing here is a type error: the fake answers in the shapes octokit users expect.
 */
export type Schemas = components["schemas"];

/** Where the fake lives: API URLs (`api`, with `/api/v3` on a GHES-style fake) and web URLs (`web`). */
export interface Urls {
  api: string;
  web: string;
}

export const isoNow = (at = Date.now()) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");

export function user(urls: Urls, login: string, id: number, type: "User" | "Organization" | "Bot" = "User"): Schemas["simple-user"] {
  const u = `${urls.api}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId("U", id),
    avatar_url: `${urls.web}/avatars/u/${id}`,
    gravatar_id: "",
    url: u,
    html_url: `${urls.web}/${login}`,
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type,
    site_admin: false,
  };
}

export function repository(urls: Urls, owner: Schemas["simple-user"], name: string, id: number, defaultBranch: string): Schemas["repository"] {
  const full = `${owner.login}/${name}`;
  const r = `${urls.api}/repos/${full}`;
  const at = isoNow();
  return {
    id,
    node_id: nodeId("R", id),
    name,
    full_name: full,
    license: null,
    owner,
    private: true,
    html_url: `${urls.web}/${full}`,
    description: null,
    fork: false,
    url: r,
    archive_url: `${r}/{archive_format}{/ref}`,
    assignees_url: `${r}/assignees{/user}`,
    blobs_url: `${r}/git/blobs{/sha}`,
    branches_url: `${r}/branches{/branch}`,
    collaborators_url: `${r}/collaborators{/collaborator}`,
    comments_url: `${r}/comments{/number}`,
    commits_url: `${r}/commits{/sha}`,
    compare_url: `${r}/compare/{base}...{head}`,
    contents_url: `${r}/contents/{+path}`,
    contributors_url: `${r}/contributors`,
    deployments_url: `${r}/deployments`,
    downloads_url: `${r}/downloads`,
    events_url: `${r}/events`,
    forks_url: `${r}/forks`,
    git_commits_url: `${r}/git/commits{/sha}`,
    git_refs_url: `${r}/git/refs{/sha}`,
    git_tags_url: `${r}/git/tags{/sha}`,
    git_url: `${urls.web.replace(/^https?/, "git")}/${full}.git`,
    issue_comment_url: `${r}/issues/comments{/number}`,
    issue_events_url: `${r}/issues/events{/number}`,
    issues_url: `${r}/issues{/number}`,
    keys_url: `${r}/keys{/key_id}`,
    labels_url: `${r}/labels{/name}`,
    languages_url: `${r}/languages`,
    merges_url: `${r}/merges`,
    milestones_url: `${r}/milestones{/number}`,
    notifications_url: `${r}/notifications{?since,all,participating}`,
    pulls_url: `${r}/pulls{/number}`,
    releases_url: `${r}/releases{/id}`,
    ssh_url: `git@${new URL(urls.web).host}:${full}.git`,
    stargazers_url: `${r}/stargazers`,
    statuses_url: `${r}/statuses/{sha}`,
    subscribers_url: `${r}/subscribers`,
    subscription_url: `${r}/subscription`,
    tags_url: `${r}/tags`,
    teams_url: `${r}/teams`,
    trees_url: `${r}/git/trees{/sha}`,
    clone_url: `${urls.web}/${full}.git`,
    mirror_url: null,
    hooks_url: `${r}/hooks`,
    svn_url: `${urls.web}/${full}`,
    homepage: null,
    language: "TypeScript",
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 1,
    default_branch: defaultBranch,
    open_issues_count: 0,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    pushed_at: at,
    created_at: at,
    updated_at: at,
    open_issues: 0,
    watchers: 0,
  };
}

/** A fork of `parent` named `owner/name`, owned by a user, as a fork pull's `head.repo` shows it. */
export function forkRepository(urls: Urls, parent: Schemas["repository"], fullName: string, ownerId: number, id: number): Schemas["repository"] {
  const [login, name] = fullName.split("/");
  return { ...repository(urls, user(urls, login, ownerId), name, id, parent.default_branch), fork: true, private: parent.private };
}

export const appPermissions: Schemas["app-permissions"] = { checks: "write", contents: "read", issues: "write", metadata: "read", pull_requests: "write", statuses: "write" };
export const appEvents = ["check_run", "installation", "installation_repositories", "pull_request"];

export function integration(urls: Urls, app: { id: number; slug: string; owner: Schemas["simple-user"] }): NonNullable<Schemas["integration"]> {
  const at = isoNow();
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId("A", app.id),
    client_id: `Iv23li${app.id}`,
    owner: app.owner,
    name: app.slug,
    description: "Critique test App",
    external_url: urls.web,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: at,
    updated_at: at,
    permissions: { ...appPermissions },
    events: appEvents,
  };
}

export function installation(urls: Urls, input: { id: number; appId: number; appSlug: string; account: Schemas["simple-user"]; suspended: boolean }): Schemas["installation"] {
  const at = isoNow();
  return {
    id: input.id,
    account: input.account,
    repository_selection: "selected",
    access_tokens_url: `${urls.api}/app/installations/${input.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/settings/installations/${input.id}`,
    app_id: input.appId,
    target_id: Number(input.account.id),
    target_type: input.account.type,
    permissions: appPermissions,
    events: appEvents,
    created_at: at,
    updated_at: at,
    single_file_name: null,
    app_slug: input.appSlug,
    suspended_by: null,
    suspended_at: input.suspended ? at : null,
  };
}

export function nodeId(prefix: string, id: number): string {
  return `${prefix}_kw${Buffer.from(String(id)).toString("base64url")}`;
}
