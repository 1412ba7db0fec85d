/**
 * The credential formats the secret scan knows, as data. Which formats exist was taken from the widely used open
 * rule sets — gitleaks' default config (config/gitleaks.toml, MIT, © Zachary Rice) and secretlint's recommended
 * preset (MIT, © azu) — and each rule below is written from the provider's documented token shape (prefix,
 * alphabet, length, checksum). Nothing here is copied wholesale from either tool.
 *
 * Two kinds of rule:
 * - token rules: the value identifies itself (a prefix such as `ghp_`, or a fixed structure). Run on any line that
 *   contains one of the rule's keywords (case-insensitive); `pattern`'s group `s` (else the whole match) is the secret.
 * - context rules: the value alone is too loose (32 hex characters could be anything), so it counts only when it
 *   is assigned to a name containing the provider's keyword (`DATADOG_API_KEY = "…"`), and matches `value` whole.
 *
 * Rules must stay linear-time: no nested quantifiers, bounded repetition only, each quantified class disjoint from
 * what follows it where possible.
 */
import { base64Text, hasBase62Crc32 } from "./entropy.ts";

export interface RuleInfo {
  /** Stable format id, e.g. `github-pat`. */
  id: string;
  /** The finding's rule is `secret:<family>` (a provider, or a kind such as `privatekey`). */
  family: string;
  /** What it is, for titles: "GitHub personal access token". */
  name: string;
}

export interface TokenRule extends RuleInfo {
  /** Lower-case literals; a line is tried only if it contains one. Empty: always tried (the pattern is cheap). */
  keywords: string[];
  pattern: RegExp;
  /** Minimum Shannon entropy of the secret (loose formats, placeholders such as `ghp_XXXX…`). */
  entropy?: number;
  /** Documented example values and other known non-secrets. */
  allow?: RegExp;
  /** Structural check on the secret (and the text around it); false drops the match. */
  verify?: (secret: string, text: string) => boolean;
  /** The random part, for the placeholder check, where the format has a fixed run (X's bearer token: 22 `A`s). */
  body?: (secret: string) => string;
  /** Whether the secret's own checksum holds (reported, never required). */
  checksum?: (secret: string) => boolean;
}

export interface ContextRule extends RuleInfo {
  /** Lower-case parts of the assigned name that tie the value to this provider. */
  keywords: string[];
  /** The whole value must match. */
  value: RegExp;
  entropy?: number;
}

const L = "(?<![A-Za-z0-9_])";
const R = "(?![A-Za-z0-9_-])";
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

interface TokenOptions extends Partial<Pick<TokenRule, "entropy" | "allow" | "verify" | "checksum" | "body">> {
  /** Boundaries other than the defaults (not a word character before, not a word character or `-` after). */
  left?: string;
  right?: string;
}

function token(id: string, family: string, name: string, keywords: string[], body: string, options: TokenOptions = {}): TokenRule {
  const { left = L, right = R, ...rest } = options;
  return { id, family, name, keywords, pattern: new RegExp(`${left}(?<s>${body})${right}`, "g"), ...rest };
}

function context(id: string, family: string, name: string, keywords: string[], value: string, entropy?: number): ContextRule {
  return { id, family, name, keywords, value: new RegExp(`^(?:${value})$`), entropy };
}

/** Documented example values that must never be reported (assembled from parts so that no scanner trips on this file). */
export const DOCUMENTED_EXAMPLES = new Set([
  ["sk_test_", "4eC39HqLyjWDarjtT1zdp7dc"].join(""), // Stripe's API reference
  ["xoxb-", "17653672481-19874698323-", "pdFZKVeTuE8sk7oOcBrzbqgy"].join(""), // Slack's token documentation
  ["AIza", "SyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"].join(""), // Google Maps Platform documentation
  ["SG.", "ngeVfQFYQlKU0ufo8x5d1A.", "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"].join(""), // SendGrid's documentation
]);

const EXAMPLE = /EXAMPLE/i;

const jsonPart = (part: string) => {
  const text = base64Text(part);
  return text?.startsWith("{") ? text : null;
};

/** A JWT: header and payload are base64url JSON, the header names an algorithm, and it is signed. */
function isSignedJwt(token: string): boolean {
  const [header, payload, signature] = token.split(".");
  const h = jsonPart(header);
  if (!h || !jsonPart(payload) || !/"alg"\s*:\s*"(?!none")/i.test(h)) return false;
  return (signature ?? "").length >= 16;
}

/** jwt.io's example token (sub 1234567890, John Doe) is in every tutorial. */
const isJwtIoExample = (token: string) => /"name"\s*:\s*"John Doe"/.test(jsonPart(token.split(".")[1] ?? "") ?? "");

/** A Discord bot token's first part is the bot's numeric id in base64 (so it starts M, N or O). */
const discordId = (token: string) => /^\d{17,20}$/.test(base64Text(token.split(".")[0]) ?? "");

/** The Authorization header's Basic value is base64 of `user:password`. */
function basicPair(value: string): boolean {
  const text = base64Text(value);
  if (!text || !/^[^:\s]{0,128}:\S{3,}$/.test(text)) return false;
  const [user, pass] = [text.slice(0, text.indexOf(":")), text.slice(text.indexOf(":") + 1)];
  return user !== pass && !/^(?:pass(?:word)?|secret|changeme|x+|\*+|test|example|<.*>|\$\{?\w+\}?)$/i.test(pass);
}

const githubChecksum = (s: string) => hasBase62Crc32(s, 4);

export const TOKEN_RULES: TokenRule[] = [
  // — Code hosts —
  token("github-pat", "github", "GitHub personal access token", ["ghp_"], "ghp_[A-Za-z0-9]{36}", { entropy: 3, checksum: githubChecksum }),
  token("github-oauth", "github", "GitHub OAuth access token", ["gho_"], "gho_[A-Za-z0-9]{36}", { entropy: 3, checksum: githubChecksum }),
  token("github-app-user-token", "github", "GitHub App user-to-server token", ["ghu_"], "ghu_[A-Za-z0-9]{36}", { entropy: 3, checksum: githubChecksum }),
  token("github-app-installation-token", "github", "GitHub App installation token", ["ghs_"], "ghs_[A-Za-z0-9]{36}|ghs_[0-9]{1,20}_[A-Za-z0-9_-]{20,1000}\\.[A-Za-z0-9_-]{20,2000}\\.[A-Za-z0-9_-]{20,1000}", { entropy: 3 }),
  token("github-refresh-token", "github", "GitHub refresh token", ["ghr_"], "ghr_[A-Za-z0-9]{36,76}", { entropy: 3 }),
  token("github-fine-grained-pat", "github", "GitHub fine-grained personal access token", ["github_pat_"], "github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", { entropy: 3 }),
  token("gitlab-pat", "gitlab", "GitLab personal access token", ["glpat-"], "glpat-[A-Za-z0-9_-]{20}(?:[A-Za-z0-9_-]{7,280}\\.[0-9a-z]{2}[0-9a-z]{7})?", { entropy: 3 }),
  token("gitlab-deploy-token", "gitlab", "GitLab deploy token", ["gldt-"], "gldt-[A-Za-z0-9_-]{20,300}", { entropy: 3 }),
  token("gitlab-runner-token", "gitlab", "GitLab runner authentication token", ["glrt-"], "glrt-(?:t\\d_)?[A-Za-z0-9_-]{20,300}(?:\\.[0-9a-z]{9})?", { entropy: 3 }),
  token("gitlab-pipeline-trigger-token", "gitlab", "GitLab pipeline trigger token", ["glptt-"], "glptt-[0-9a-f]{40}", { entropy: 3 }),
  token("gitlab-cicd-job-token", "gitlab", "GitLab CI/CD job token", ["glcbt-"], "glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}", { entropy: 3 }),
  token("gitlab-feed-token", "gitlab", "GitLab feed token", ["glft-"], "glft-[0-9a-zA-Z_-]{20}", { entropy: 3 }),
  token("gitlab-incoming-mail-token", "gitlab", "GitLab incoming mail token", ["glimt-"], "glimt-[0-9a-zA-Z_-]{25}", { entropy: 3 }),
  token("gitlab-agent-token", "gitlab", "GitLab agent for Kubernetes token", ["glagent-"], "glagent-[0-9a-zA-Z_-]{50}", { entropy: 3 }),
  token("gitlab-oauth-app-secret", "gitlab", "GitLab OAuth application secret", ["gloas-"], "gloas-[0-9a-zA-Z_-]{64}", { entropy: 3 }),
  token("gitlab-scim-token", "gitlab", "GitLab SCIM token", ["glsoat-"], "glsoat-[0-9a-zA-Z_-]{20}", { entropy: 3 }),
  token("gitlab-feature-flag-token", "gitlab", "GitLab feature flag client token", ["glffct-"], "glffct-[0-9a-zA-Z_-]{20}", { entropy: 3 }),
  token("gitlab-runner-registration-token", "gitlab", "GitLab runner registration token", ["gr1348941"], "GR1348941[A-Za-z0-9_-]{20}", { entropy: 3 }),
  token("gitlab-session-cookie", "gitlab", "GitLab session cookie", ["_gitlab_session="], "[0-9a-z]{32}", { left: "(?<=_gitlab_session=)", entropy: 3 }),
  token("bitbucket-app-password", "bitbucket", "Bitbucket app password", ["atbb"], "ATBB[A-Za-z0-9_=.-]{32}", { entropy: 3 }),
  token("atlassian-api-token", "atlassian", "Atlassian API token", ["atatt3"], "ATATT3[A-Za-z0-9_=-]{180,200}", { entropy: 3.5 }),
  token("sourcegraph-token", "sourcegraph", "Sourcegraph access token", ["sgp_"], "sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}", { entropy: 3 }),

  // — Clouds —
  token("aws-access-key-id", "aws", "AWS access key id", ["akia", "asia", "abia", "acca", "a3t"], "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}", { entropy: 3, allow: EXAMPLE }),
  token("aws-session-token", "aws", "AWS temporary session token", ["fwogzxivyxdz", "iqojb3jpz2lux2vj"], "(?:FwoGZXIvYXdz|IQoJb3JpZ2luX2Vj)[A-Za-z0-9/+=]{100,2000}", { entropy: 4, right: "(?![A-Za-z0-9/+=])" }),
  token("aws-bedrock-api-key", "aws", "Amazon Bedrock API key", ["absk"], "ABSK[A-Za-z0-9+/]{109,269}={0,2}", { entropy: 3, right: "(?![A-Za-z0-9+/=])" }),
  token("aws-bedrock-short-term-key", "aws", "Amazon Bedrock short-term API key", ["bedrock-api-key-"], "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&_-]{40,3000}", { entropy: 3 }),
  token("aws-mws-key", "aws", "Amazon MWS auth token", ["amzn.mws."], `amzn\\.mws\\.${UUID}`),
  token("gcp-api-key", "gcp", "Google API key", ["aiza"], "AIza[0-9A-Za-z_-]{35}", { entropy: 3.5 }),
  token("gcp-oauth-client-secret", "gcp", "Google OAuth client secret", ["gocspx-"], "GOCSPX-[A-Za-z0-9_-]{28}", { entropy: 3 }),
  token("gcp-oauth-access-token", "gcp", "Google OAuth access token", ["ya29."], "ya29\\.[0-9A-Za-z_-]{40,2048}", { entropy: 3.5 }),
  token("gcp-oauth-refresh-token", "gcp", "Google OAuth refresh token", ["1//0"], "1//0[0-9A-Za-z_-]{40,512}", { left: "(?<![A-Za-z0-9_:/])", entropy: 3.5 }),
  token("azure-ad-client-secret", "azure", "Microsoft Entra ID (Azure AD) client secret", ["q~"], "[a-zA-Z0-9_~.]{3}\\dQ~[a-zA-Z0-9_~.-]{31,34}", { left: "(?<![A-Za-z0-9_~.-])", right: "(?![A-Za-z0-9_~.-])", entropy: 3 }),
  token("azure-storage-account-key", "azure", "Azure storage / Cosmos DB account key", ["accountkey="], "[A-Za-z0-9+/]{86}==", { left: "(?<=AccountKey=)", right: "(?![A-Za-z0-9+/=])", entropy: 4 }),
  token("azure-shared-access-key", "azure", "Azure Service Bus / Event Hubs shared access key", ["sharedaccesskey="], "[A-Za-z0-9+/]{42,43}=", { left: "(?<=SharedAccessKey=)", right: "(?![A-Za-z0-9+/=])", entropy: 4 }),
  token("azure-sas-token", "azure", "Azure shared access signature", ["sig="], "[A-Za-z0-9%+/]{40,100}(?:%3D|=){0,2}", {
    left: "(?<=[?&;]sig=)",
    right: "(?![A-Za-z0-9%+/=])",
    entropy: 4,
    verify: (_s, text) => /[?&;]sv=\d{4}-\d\d-\d\d/.test(text),
  }),
  token("alibaba-access-key-id", "alibaba", "Alibaba Cloud AccessKey id", ["ltai"], "LTAI[A-Za-z0-9]{12,20}", { entropy: 3 }),
  token("tencent-secret-id", "tencent", "Tencent Cloud SecretId", ["akid"], "AKID[A-Za-z0-9]{32}", { entropy: 3.5 }),
  token("digitalocean-pat", "digitalocean", "DigitalOcean personal access token", ["dop_v1_"], "dop_v1_[a-f0-9]{64}", { entropy: 3 }),
  token("digitalocean-oauth-token", "digitalocean", "DigitalOcean OAuth token", ["doo_v1_"], "doo_v1_[a-f0-9]{64}", { entropy: 3 }),
  token("digitalocean-refresh-token", "digitalocean", "DigitalOcean refresh token", ["dor_v1_"], "dor_v1_[a-f0-9]{64}", { entropy: 3 }),
  token("heroku-api-key-v2", "heroku", "Heroku API key", ["hrku-aa"], "HRKU-AA[0-9a-zA-Z_-]{58}", { entropy: 3.5 }),
  token("scaleway-access-key", "scaleway", "Scaleway access key", ["scw"], "SCW[A-Z0-9]{17}", { entropy: 3 }),
  token("flyio-token", "flyio", "Fly.io access token", ["fo1_", "fm1", "fm2_"], "fo1_[A-Za-z0-9_-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,2000}={0,3}|fm2_[A-Za-z0-9+/]{100,4000}={0,3}", { entropy: 4, right: "(?![A-Za-z0-9+/=_-])" }),
  token("render-api-key", "render", "Render API key", ["rnd_"], "rnd_[A-Za-z0-9]{32}", { entropy: 3 }),
  token("netlify-pat", "netlify", "Netlify personal access token", ["nfp_"], "nfp_[A-Za-z0-9]{36}", { entropy: 3 }),
  token("vercel-token", "vercel", "Vercel access token", ["vcp_", "vci_", "vca_", "vcr_", "vck_"], "(?:vcp|vci|vca|vcr|vck)_[A-Za-z0-9]{24,60}", { entropy: 3 }),
  token("cloudflare-api-token", "cloudflare", "Cloudflare API token", ["cfk_", "cfut_", "cfat_"], "(?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8}", { entropy: 3.5 }),
  token("cloudflare-origin-ca-key", "cloudflare", "Cloudflare Origin CA key", ["v1.0-"], "v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}", { entropy: 3 }),
  token("supabase-management-token", "supabase", "Supabase management API token", ["sbp_"], "sbp_[a-f0-9]{40}", { entropy: 3 }),
  token("planetscale-token", "planetscale", "PlanetScale service token", ["pscale_tkn_"], "pscale_tkn_[A-Za-z0-9_=.-]{32,64}", { entropy: 3 }),
  token("planetscale-oauth-token", "planetscale", "PlanetScale OAuth token", ["pscale_oauth_"], "pscale_oauth_[A-Za-z0-9_=.-]{32,64}", { entropy: 3 }),
  token("planetscale-password", "planetscale", "PlanetScale database password", ["pscale_pw_"], "pscale_pw_[A-Za-z0-9_=.-]{32,64}", { entropy: 3 }),
  token("databricks-token", "databricks", "Databricks personal access token", ["dapi"], "dapi[a-f0-9]{32}(?:-\\d)?", { entropy: 3 }),
  token("clickhouse-cloud-key", "clickhouse", "ClickHouse Cloud API secret", ["4b1d"], "4b1d[A-Za-z0-9]{38}", { entropy: 3 }),
  token("doppler-token", "doppler", "Doppler token", ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."], "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,64}", { entropy: 3 }),
  token("vault-service-token", "hashicorp", "HashiCorp Vault service token", ["hvs."], "hvs\\.[A-Za-z0-9_-]{90,120}", { entropy: 3.5 }),
  token("vault-batch-token", "hashicorp", "HashiCorp Vault batch token", ["hvb."], "hvb\\.[A-Za-z0-9_-]{138,300}", { entropy: 4 }),
  token("vault-recovery-token", "hashicorp", "HashiCorp Vault recovery token", ["hvr."], "hvr\\.[A-Za-z0-9_-]{90,120}", { entropy: 3.5 }),
  token("terraform-cloud-token", "hashicorp", "Terraform Cloud / HCP API token", ["atlasv1"], "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}", { entropy: 3.5 }),
  token("pulumi-token", "pulumi", "Pulumi access token", ["pul-"], "pul-[a-f0-9]{40}", { entropy: 3 }),
  token("infracost-token", "infracost", "Infracost API key", ["ico-"], "ico-[A-Za-z0-9]{32}", { entropy: 3 }),
  token("octopus-deploy-key", "octopus", "Octopus Deploy API key", ["api-"], "API-[A-Z0-9]{26,32}", { entropy: 3 }),
  token("openshift-token", "openshift", "OpenShift user token", ["sha256~"], "sha256~[A-Za-z0-9_-]{43}", { left: "(?<![A-Za-z0-9_])", entropy: 3.5 }),
  token("akamai-client-token", "akamai", "Akamai EdgeGrid client token", ["akab-"], "akab-[a-z0-9]{16}-[a-z0-9]{16}", { entropy: 3 }),

  // — Observability and operations —
  token("grafana-api-key", "grafana", "Grafana API key", ["eyjrijoi"], "eyJrIjoi[A-Za-z0-9]{70,400}={0,3}", { entropy: 3, right: "(?![A-Za-z0-9=])" }),
  token("grafana-cloud-token", "grafana", "Grafana Cloud access policy token", ["glc_"], "glc_[A-Za-z0-9+/]{32,400}={0,3}", { entropy: 3, right: "(?![A-Za-z0-9+/=])" }),
  token("grafana-service-account-token", "grafana", "Grafana service account token", ["glsa_"], "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}", { entropy: 3 }),
  token("newrelic-user-key", "newrelic", "New Relic user API key", ["nrak-"], "NRAK-[A-Z0-9]{27}", { entropy: 3 }),
  token("newrelic-browser-key", "newrelic", "New Relic browser API key", ["nrjs-"], "NRJS-[a-f0-9]{19}", { entropy: 3 }),
  token("newrelic-insert-key", "newrelic", "New Relic insert key", ["nrii-"], "NRII-[A-Za-z0-9_-]{32}", { entropy: 3 }),
  token("newrelic-license-key", "newrelic", "New Relic license key", ["nral"], "[a-f0-9]{36}NRAL", { entropy: 3 }),
  token("sentry-user-token", "sentry", "Sentry user auth token", ["sntryu_"], "sntryu_[a-f0-9]{64}", { entropy: 3.5 }),
  token("sentry-org-token", "sentry", "Sentry organization auth token", ["sntrys_"], "sntrys_eyJ[A-Za-z0-9+/=]{40,800}_[A-Za-z0-9+/]{43}", { entropy: 4.5, right: "(?![A-Za-z0-9+/=_-])" }),
  token("dynatrace-token", "dynatrace", "Dynatrace API token", ["dt0c01."], "dt0c01\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64}", { entropy: 4 }),
  token("postman-api-key", "postman", "Postman API key", ["pmak-"], "PMAK-[a-f0-9]{24}-[a-f0-9]{34}", { entropy: 3 }),
  token("readme-api-key", "readme", "ReadMe API key", ["rdme_"], "rdme_[a-z0-9]{70}", { entropy: 3 }),
  token("prefect-api-key", "prefect", "Prefect API key", ["pnu_"], "pnu_[A-Za-z0-9]{36}", { entropy: 3 }),
  token("buildkite-token", "buildkite", "Buildkite API access token", ["bkua_"], "bkua_[a-f0-9]{40}", { entropy: 3 }),
  token("circleci-pat", "circleci", "CircleCI personal API token", ["ccipat_"], "CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}", { entropy: 3 }),
  token("sonarqube-token", "sonarqube", "SonarQube token", ["squ_", "sqp_", "sqa_"], "(?:squ|sqp|sqa)_[a-f0-9]{40}", { entropy: 3 }),
  token("harness-token", "harness", "Harness access token", ["pat.", "sat."], "(?:pat|sat)\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{20}", { entropy: 3 }),
  token("settlemint-token", "settlemint", "SettleMint access token", ["sm_aat_", "sm_pat_", "sm_sat_"], "sm_(?:aat|pat|sat)_[A-Za-z0-9]{16}", { entropy: 3 }),
  token("authress-key", "authress", "Authress service client key", ["sc_", "ext_", "scauth_", "authress_"], "(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\\.[A-Za-z0-9]{4,6}\\.acc[_-][A-Za-z0-9-]{10,32}\\.[A-Za-z0-9+/_=-]{30,120}", { entropy: 3 }),

  // — Package registries —
  token("npm-token", "npm", "npm access token", ["npm_"], "npm_[A-Za-z0-9]{36}", { entropy: 3, checksum: (s) => hasBase62Crc32(s, 4) }),
  token("npmrc-auth-token", "npm", "npm registry auth token in .npmrc", ["_authtoken"], "[^\\s\"'$`{][^\\s\"'`]{15,511}", { left: "(?<=_authToken\\s{0,4}=\\s{0,4}[\"']?)", right: "(?![^\\s\"'`])", entropy: 3 }),
  token("pypi-token", "pypi", "PyPI upload token", ["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"], "pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000}", { entropy: 3 }),
  token("rubygems-token", "rubygems", "RubyGems API key", ["rubygems_"], "rubygems_[a-f0-9]{48}", { entropy: 3 }),
  token("nuget-api-key", "nuget", "NuGet API key", ["oy2"], "oy2[a-z0-9]{43}", { entropy: 3.5 }),
  token("clojars-token", "clojars", "Clojars deploy token", ["clojars_"], "CLOJARS_[a-z0-9]{60}", { entropy: 3 }),
  token("crates-io-token", "crates-io", "crates.io API token", ["cio"], "cio[A-Za-z0-9]{32}", { entropy: 3.5 }),
  token("docker-hub-pat", "docker", "Docker Hub personal access token", ["dckr_pat_", "dckr_oat_"], "dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32}", { entropy: 3 }),
  token("jfrog-api-key", "jfrog", "JFrog Artifactory API key", ["akcp"], "AKCp[A-Za-z0-9]{69}", { entropy: 4.5 }),
  token("jfrog-reference-token", "jfrog", "JFrog Artifactory reference token", ["cmvmd"], "cmVmd[A-Za-z0-9]{59}", { entropy: 4.5 }),

  // — Chat and collaboration —
  token("slack-bot-token", "slack", "Slack bot token", ["xoxb-"], "xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-)?[A-Za-z0-9]{18,34}", { entropy: 3 }),
  token("slack-user-token", "slack", "Slack user token", ["xoxp-", "xoxe-"], "xox[pe](?:-[0-9]{8,14}){3}-[A-Za-z0-9]{28,34}", { entropy: 3 }),
  token("slack-app-token", "slack", "Slack app-level token", ["xapp-"], "xapp-\\d-[A-Z0-9]{9,12}-\\d{10,14}-[a-z0-9]{64}", { entropy: 3 }),
  token("slack-config-token", "slack", "Slack configuration token", ["xoxe.xoxb-", "xoxe.xoxp-", "xoxe-"], "xoxe\\.xox[bp]-\\d-[A-Za-z0-9]{163,166}|xoxe-\\d-[A-Za-z0-9]{146}", { entropy: 3 }),
  token("slack-legacy-token", "slack", "Slack legacy token", ["xoxa-", "xoxr-", "xoxo-", "xoxs-"], "xox[ar]-(?:\\d-)?[0-9A-Za-z]{8,48}|xox[os]-\\d+-\\d+-\\d+-[a-fA-F\\d]{32,64}", { entropy: 3 }),
  token("slack-webhook-url", "slack", "Slack incoming webhook URL", ["hooks.slack.com"], "(?:https?://)?hooks\\.slack\\.com/(?:services|workflows|triggers)/(?:[A-Za-z0-9+/]{43,56}|T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})", { left: "(?<![A-Za-z0-9_.-])", entropy: 3 }),
  token("discord-bot-token", "discord", "Discord bot token", [], "[MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,38}", { entropy: 3.5, verify: discordId }),
  token("discord-webhook-url", "discord", "Discord webhook URL", ["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"], "(?:https://)?(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d{17,20}/[A-Za-z0-9_-]{60,68}", { left: "(?<![A-Za-z0-9_.-])", entropy: 3 }),
  token("telegram-bot-token", "telegram", "Telegram bot token", [":aa"], "\\d{8,10}:AA[A-Za-z0-9_-]{33}", { left: "(?<![A-Za-z0-9_:])", entropy: 3 }),
  token("teams-webhook-url", "microsoft-teams", "Microsoft Teams incoming webhook URL", ["webhook.office.com"], `https://[a-z0-9-]+\\.webhook\\.office\\.com/webhookb2/${UUID}@${UUID}/IncomingWebhook/[a-zA-Z0-9]{32}/${UUID}(?:/[A-Za-z0-9_-]{20,60})?`, { left: "(?<![A-Za-z0-9_.-])" }),
  token("twitter-bearer-token", "twitter", "X (Twitter) bearer token", ["aaaaaaaaaaaaaaaaaaaaaa"], "A{22}[A-Za-z0-9%]{80,110}", { right: "(?![A-Za-z0-9%_-])", body: (s) => s.slice(22) }),
  token("facebook-page-token", "facebook", "Facebook (Meta) access token", ["eaam", "eaac", "eaag"], "EAA[MCG][A-Za-z0-9]{100,400}", { entropy: 4 }),
  token("instagram-token", "facebook", "Instagram Graph API token", ["igqv"], "IGQV[A-Za-z0-9_-]{100,400}", { entropy: 4 }),
  token("facebook-app-access-token", "facebook", "Facebook (Meta) app access token", ["|", "%7c"], "\\d{15,16}(?:\\||%7[Cc])[A-Za-z0-9_-]{27,40}", { left: "(?<![A-Za-z0-9_|])", entropy: 3 }),
  token("notion-token", "notion", "Notion integration token", ["ntn_"], "ntn_[0-9]{11}[A-Za-z0-9]{35}", { entropy: 3.5 }),
  token("notion-legacy-token", "notion", "Notion integration secret (legacy)", ["secret_"], "secret_[A-Za-z0-9]{43}", { entropy: 4 }),
  token("linear-api-key", "linear", "Linear API key", ["lin_api_"], "lin_api_[A-Za-z0-9]{40}", { entropy: 3 }),
  token("linear-oauth-token", "linear", "Linear OAuth token", ["lin_oauth_"], "lin_oauth_[a-f0-9]{64}", { entropy: 3 }),
  token("airtable-pat", "airtable", "Airtable personal access token", ["pat"], "pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}", { entropy: 3.5 }),
  token("figma-token", "figma", "Figma personal access token", ["figd_"], "figd_[A-Za-z0-9_-]{40,200}", { entropy: 3 }),
  token("typeform-token", "typeform", "Typeform personal access token", ["tfp_"], "tfp_[A-Za-z0-9_.=-]{59}", { entropy: 3 }),
  token("contentful-pat", "contentful", "Contentful personal access token", ["cfpat-"], "CFPAT-[A-Za-z0-9_-]{43}", { entropy: 3 }),
  token("hubspot-pat", "hubspot", "HubSpot private app token", ["pat-na1-", "pat-eu1-"], `pat-(?:na|eu)1-${UUID}`, { entropy: 3 }),
  token("frameio-token", "frameio", "Frame.io API token", ["fio-u-"], "fio-u-[A-Za-z0-9_=-]{64}", { entropy: 3 }),
  token("adafruit-key", "adafruit", "Adafruit IO key", ["aio_"], "aio_[A-Za-z0-9]{28}", { entropy: 3 }),
  token("adobe-client-secret", "adobe", "Adobe client secret", ["p8e-"], "p8e-[A-Za-z0-9]{32}", { entropy: 3 }),
  token("1password-service-token", "1password", "1Password service account token", ["ops_"], "ops_eyJ[A-Za-z0-9+/]{250,2000}={0,3}", { entropy: 4, right: "(?![A-Za-z0-9+/=])" }),
  token("1password-secret-key", "1password", "1Password account secret key", ["a3-"], "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}", { entropy: 3.5 }),
  token("tailscale-key", "tailscale", "Tailscale key", ["tskey-"], "tskey-[a-z]{2,20}-[0-9A-Za-z]{8,40}-[0-9A-Za-z]{16,60}", { entropy: 3 }),
  token("age-secret-key", "age", "age encryption secret key", ["age-secret-key-1"], "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
  token("defined-networking-key", "defined-networking", "Defined Networking API key", ["dnkey-"], "dnkey-[A-Za-z0-9=_-]{26}-[A-Za-z0-9=_-]{52}", { entropy: 3 }),
  token("mapbox-secret-token", "mapbox", "Mapbox secret access token", ["sk.eyj"], "sk\\.eyJ[A-Za-z0-9_-]{20,200}\\.[A-Za-z0-9_-]{20,100}", { entropy: 3.5 }),
  token("maxmind-license-key", "maxmind", "MaxMind license key", ["_mmk"], "[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk", { entropy: 4 }),
  token("scalingo-token", "scalingo", "Scalingo API token", ["tk-us-"], "tk-us-[A-Za-z0-9_-]{48}", { entropy: 3 }),
  token("intra42-secret", "intra42", "42 intra client secret", ["s-s4t2ud-", "s-s4t2af-"], "s-s4t2(?:ud|af)-[a-f0-9]{64}", { entropy: 3 }),
  token("yandex-api-key", "yandex", "Yandex Cloud API key", ["aqvn"], "AQVN[A-Za-z0-9_-]{35,38}", { entropy: 3.5 }),

  // — Payments and commerce —
  token("stripe-secret-key", "stripe", "Stripe secret key", ["sk_live_", "sk_test_", "sk_prod_"], "sk_(?:live|test|prod)_[A-Za-z0-9]{10,247}", { entropy: 3 }),
  token("stripe-restricted-key", "stripe", "Stripe restricted key", ["rk_live_", "rk_test_", "rk_prod_"], "rk_(?:live|test|prod)_[A-Za-z0-9]{10,247}", { entropy: 3 }),
  token("stripe-webhook-secret", "stripe", "Stripe webhook signing secret", ["whsec_"], "whsec_[A-Za-z0-9+/=]{32,64}", { entropy: 3.5, right: "(?![A-Za-z0-9+/=_-])" }),
  token("shopify-access-token", "shopify", "Shopify access token", ["shpat_", "shpca_", "shppa_"], "shp(?:at|ca|pa)_[a-fA-F0-9]{32}", { entropy: 3 }),
  token("shopify-shared-secret", "shopify", "Shopify app shared secret", ["shpss_"], "shpss_[a-fA-F0-9]{32}", { entropy: 3 }),
  token("square-access-token", "square", "Square access token", ["eaaa", "sq0atp-"], "EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22}", { entropy: 3.5 }),
  token("square-oauth-secret", "square", "Square OAuth application secret", ["sq0csp-"], "sq0csp-[A-Za-z0-9_-]{43}", { entropy: 3.5 }),
  token("braintree-access-token", "paypal", "PayPal Braintree access token", ["access_token$production$"], "access_token\\$production\\$[0-9a-z]{16}\\$[0-9a-f]{32}", { entropy: 3 }),
  token("plaid-access-token", "plaid", "Plaid access token", ["access-sandbox-", "access-development-", "access-production-"], `access-(?:sandbox|development|production)-${UUID}`, { entropy: 3 }),
  token("flutterwave-secret-key", "flutterwave", "Flutterwave secret key", ["flwseck"], "FLWSECK(?:_TEST)?-[a-h0-9]{32}-X|FLWSECK_TEST[a-h0-9]{12}", { entropy: 3 }),
  token("shippo-token", "shippo", "Shippo API token", ["shippo_"], "shippo_(?:live|test)_[a-fA-F0-9]{40}", { entropy: 3 }),
  token("easypost-key", "easypost", "EasyPost API key", ["ezak", "eztk"], "EZ[AT]K[A-Za-z0-9]{54}", { entropy: 3.5 }),
  token("duffel-token", "duffel", "Duffel API token", ["duffel_"], "duffel_(?:test|live)_[A-Za-z0-9_=-]{43}", { entropy: 3 }),
  token("mailchimp-api-key", "mailchimp", "Mailchimp API key", ["-us"], "[0-9a-f]{32}-us[0-9]{1,2}", { entropy: 3 }),

  // — Messaging and email —
  token("sendgrid-api-key", "sendgrid", "SendGrid API key", ["sg."], "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}", { entropy: 3 }),
  token("brevo-api-key", "brevo", "Brevo (Sendinblue) API key", ["xkeysib-", "xsmtpsib-"], "x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}", { entropy: 3 }),
  token("twilio-api-key", "twilio", "Twilio API key", ["sk"], "SK[0-9a-fA-F]{32}", { entropy: 3 }),

  // — AI providers —
  token("openai-api-key", "openai", "OpenAI API key", ["t3blbkfj"], "sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", { entropy: 3 }),
  token("anthropic-api-key", "anthropic", "Anthropic API key", ["sk-ant-"], "sk-ant-(?:api|admin|oat|sid)\\d{2}-[A-Za-z0-9_-]{80,150}", { entropy: 3.5 }),
  token("groq-api-key", "groq", "Groq API key", ["gsk_"], "gsk_[A-Za-z0-9]{52}", { entropy: 3.5 }),
  token("huggingface-token", "huggingface", "Hugging Face access token", ["hf_", "api_org_"], "(?:hf|api_org)_[A-Za-z]{34}", { entropy: 3 }),
  token("perplexity-api-key", "perplexity", "Perplexity API key", ["pplx-"], "pplx-[A-Za-z0-9]{48}", { entropy: 3.5 }),
  token("replicate-token", "replicate", "Replicate API token", ["r8_"], "r8_[A-Za-z0-9]{37}", { entropy: 3.5 }),
  token("xai-api-key", "xai", "xAI API key", ["xai-"], "xai-[A-Za-z0-9]{80}", { entropy: 4 }),
  token("openrouter-api-key", "openrouter", "OpenRouter API key", ["sk-or-v1-"], "sk-or-v1-[a-f0-9]{64}", { entropy: 3 }),
  token("langsmith-api-key", "langchain", "LangSmith API key", ["lsv2_pt_", "lsv2_sk_"], "lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", { entropy: 3 }),

  // — Structured tokens —
  token("jwt", "jwt", "JSON Web Token", ["eyj"], "eyJ[A-Za-z0-9_-]{10,2000}\\.eyJ[A-Za-z0-9_-]{10,8000}\\.[A-Za-z0-9_-]{16,2000}", {
    left: "(?<![A-Za-z0-9_.-])",
    right: "(?![A-Za-z0-9_.=-])",
    verify: (s) => isSignedJwt(s) && !isJwtIoExample(s),
  }),
  token("jwt-base64", "jwt", "JSON Web Token (base64-encoded)", ["zxlk"], "ZXlK[A-Za-z0-9+/]{60,12000}={0,2}", {
    left: "(?<![A-Za-z0-9+/])",
    right: "(?![A-Za-z0-9+/=])",
    verify: (s) => {
      const inner = (base64Text(s) ?? "").trim();
      return isSignedJwt(inner) && !isJwtIoExample(inner);
    },
  }),
  token("basic-auth-header", "authorization-header", "Basic credentials in an Authorization header", ["basic "], "[A-Za-z0-9+/]{8,400}={0,2}", {
    left: "(?<=\\bBasic\\s{1,4})",
    right: "(?![A-Za-z0-9+/=_-])",
    verify: basicPair,
  }),
];

/**
 * Provider formats too loose to trust alone. The name the value is assigned to must contain a keyword (case-
 * insensitive): `TWILIO_AUTH_TOKEN = "…"`. Client and account ids (public identifiers) are deliberately not here.
 */
export const CONTEXT_RULES: ContextRule[] = [
  context("aws-secret-access-key", "aws", "AWS secret access key", ["secret_access_key", "secretaccesskey", "secret-access-key", "aws_secret", "awssecret"], "[A-Za-z0-9/+]{40}", 4),
  context("azure-devops-pat", "azure", "Azure DevOps personal access token", ["devops", "ado_pat", "azure_pat", "vsts"], "[a-z2-7]{52}|[A-Za-z0-9]{84}", 3.5),
  context("alibaba-secret", "alibaba", "Alibaba Cloud AccessKey secret", ["alibaba", "aliyun", "accesskeysecret", "access_key_secret"], "[A-Za-z0-9]{30}", 3.5),
  context("tencent-secret-key", "tencent", "Tencent Cloud SecretKey", ["tencent", "qcloud"], "[A-Za-z0-9]{32}", 3.5),
  context("ibm-cloud-api-key", "ibm", "IBM Cloud API key", ["ibm", "bluemix"], "[A-Za-z0-9_-]{44}", 4),
  context("linode-token", "linode", "Linode personal access token", ["linode"], "[a-f0-9]{64}", 3),
  context("heroku-api-key", "heroku", "Heroku API key (legacy)", ["heroku"], UUID),
  context("scaleway-secret-key", "scaleway", "Scaleway secret key", ["scaleway", "scw_secret"], UUID),
  context("hetzner-token", "hetzner", "Hetzner Cloud API token", ["hcloud", "hetzner"], "[A-Za-z0-9]{64}", 4),
  context("vultr-api-key", "vultr", "Vultr API key", ["vultr"], "[A-Z0-9]{36}", 3.5),
  context("cloudflare-global-key", "cloudflare", "Cloudflare global API key", ["cloudflare", "cf_api_key", "cf_key"], "[a-f0-9]{37}", 3),
  context("cloudflare-token-legacy", "cloudflare", "Cloudflare API token (legacy)", ["cloudflare", "cf_api_token"], "[A-Za-z0-9_-]{40}", 3.5),
  context("vault-legacy-token", "hashicorp", "HashiCorp Vault token (legacy)", ["vault"], "s\\.[A-Za-z0-9]{24}", 3.5),
  context("datadog-api-key", "datadog", "Datadog API key", ["datadog", "dd_api_key", "ddapikey", "dd-api-key"], "[a-f0-9]{32}", 3),
  context("datadog-app-key", "datadog", "Datadog application key", ["datadog", "dd_app_key", "ddappkey", "dd-app-key", "dd_application_key"], "[a-f0-9]{40}", 3),
  context("newrelic-api-key", "newrelic", "New Relic API key", ["newrelic", "new_relic", "new-relic"], "[A-Za-z0-9]{64}", 3.5),
  context("sentry-auth-token", "sentry", "Sentry auth token", ["sentry"], "[a-f0-9]{64}", 3),
  context("sumologic-access-key", "sumologic", "Sumo Logic access key", ["sumo"], "[A-Za-z0-9]{64}", 4),
  context("splunk-hec-token", "splunk", "Splunk HTTP Event Collector token", ["splunk"], UUID),
  context("pagerduty-api-key", "pagerduty", "PagerDuty API key", ["pagerduty", "pager_duty"], "u\\+[A-Za-z0-9_+-]{18}|[A-Za-z0-9_+-]{20}", 3.5),
  context("honeycomb-api-key", "honeycomb", "Honeycomb API key", ["honeycomb"], "[A-Za-z0-9]{22}|[a-f0-9]{32}", 3.5),
  context("codecov-token", "codecov", "Codecov upload token", ["codecov"], `[a-z0-9]{32}|${UUID}`, 3),
  context("travisci-token", "travisci", "Travis CI access token", ["travis"], "[A-Za-z0-9]{22}", 3.5),
  context("droneci-token", "droneci", "Drone CI access token", ["drone"], "[A-Za-z0-9]{32}", 3.5),
  context("circleci-token", "circleci", "CircleCI API token", ["circle"], "[a-f0-9]{40}", 3),
  context("snyk-token", "snyk", "Snyk API token", ["snyk"], UUID),
  context("sonarqube-token-legacy", "sonarqube", "SonarQube token (legacy)", ["sonar"], "[a-f0-9]{40}", 3),
  context("jfrog-identity-token", "jfrog", "JFrog identity token", ["jfrog", "artifactory", "bintray", "xray"], "[A-Za-z0-9]{64}|[A-Za-z0-9]{73}", 4),
  context("gitea-token", "gitea", "Gitea access token", ["gitea", "forgejo"], "[a-f0-9]{40}", 3),
  context("bitbucket-secret", "bitbucket", "Bitbucket OAuth consumer secret", ["bitbucket"], "[A-Za-z0-9=_-]{32}|[A-Za-z0-9=_-]{64}", 3.5),
  context("atlassian-token-legacy", "atlassian", "Atlassian API token (legacy)", ["atlassian", "confluence", "jira"], "[A-Za-z0-9]{24}", 3.5),
  context("asana-token", "asana", "Asana access token", ["asana"], "[0-9]/[0-9]{10,16}(?:/[0-9]{10,16})?:[A-Za-z0-9]{32}|[A-Za-z0-9]{32}", 3.5),
  context("trello-token", "trello", "Trello API key or token", ["trello"], "[a-f0-9]{32}|[a-f0-9]{64}|ATTA[A-Fa-f0-9]{64,72}", 3),
  context("airtable-api-key", "airtable", "Airtable API key (legacy)", ["airtable"], "key[A-Za-z0-9]{14}", 3.5),
  context("twilio-auth-token", "twilio", "Twilio auth token", ["twilio"], "[a-f0-9]{32}", 3),
  context("vonage-api-secret", "vonage", "Vonage (Nexmo) API secret", ["nexmo", "vonage"], "[A-Za-z0-9]{16}", 3.5),
  context("messagebird-key", "messagebird", "MessageBird API key", ["messagebird", "message_bird", "message-bird"], "[A-Za-z0-9]{25}", 3.5),
  context("mailgun-api-key", "mailgun", "Mailgun API key", ["mailgun"], "key-[a-f0-9]{32}|[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}", 3),
  context("postmark-token", "postmark", "Postmark server token", ["postmark"], UUID),
  context("discord-client-secret", "discord", "Discord client secret", ["discord"], "[A-Za-z0-9_-]{32}", 3.5),
  context("mattermost-token", "mattermost", "Mattermost access token", ["mattermost"], "[a-z0-9]{26}", 3.5),
  context("twitch-token", "twitch", "Twitch API token", ["twitch"], "[a-z0-9]{30}", 3.5),
  context("gitter-token", "gitter", "Gitter access token", ["gitter"], "[A-Za-z0-9_-]{40}", 3.5),
  context("twitter-api-secret", "twitter", "X (Twitter) API key or secret", ["twitter"], "[A-Za-z0-9]{25}|[A-Za-z0-9]{45}|[A-Za-z0-9]{50}|[0-9]{15,25}-[A-Za-z0-9]{20,40}", 3.5),
  context("facebook-app-secret", "facebook", "Facebook (Meta) app secret", ["facebook", "fb_app_secret", "fb_secret"], "[a-f0-9]{32}", 3),
  context("linkedin-client-secret", "linkedin", "LinkedIn client secret", ["linkedin", "linked_in"], "[A-Za-z0-9]{16}", 3.5),
  context("dropbox-token", "dropbox", "Dropbox access token", ["dropbox"], "sl\\.[A-Za-z0-9._-]{130,1400}|[A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_=-]{43}|[A-Za-z0-9]{15}", 3.5),
  context("zendesk-token", "zendesk", "Zendesk API token", ["zendesk"], "[A-Za-z0-9]{40}", 3.5),
  context("intercom-token", "intercom", "Intercom access token", ["intercom"], "[A-Za-z0-9=_-]{60}", 3.5),
  context("hubspot-api-key", "hubspot", "HubSpot API key (legacy)", ["hubspot"], UUID),
  context("algolia-admin-key", "algolia", "Algolia admin API key", ["algolia"], "[a-f0-9]{32}", 3),
  context("launchdarkly-key", "launchdarkly", "LaunchDarkly SDK or API key", ["launchdarkly", "launch_darkly"], `(?:sdk|api|mob)-${UUID}|[A-Za-z0-9=_-]{40}`, 3),
  context("contentful-delivery-token", "contentful", "Contentful delivery API token", ["contentful"], "[A-Za-z0-9=_-]{43}", 3.5),
  context("okta-token", "okta", "Okta API token", ["okta"], "00[A-Za-z0-9=_-]{40}", 4),
  context("auth0-client-secret", "auth0", "Auth0 client secret", ["auth0"], "[A-Za-z0-9_-]{64}", 4),
  context("cohere-api-key", "cohere", "Cohere API key", ["cohere", "co_api_key"], "[A-Za-z0-9]{40}", 4),
  context("mistral-api-key", "mistral", "Mistral API key", ["mistral"], "[A-Za-z0-9]{32}", 4),
  context("deepseek-api-key", "deepseek", "DeepSeek API key", ["deepseek"], "sk-[a-f0-9]{32}", 3),
  context("pinecone-api-key", "pinecone", "Pinecone API key", ["pinecone"], `pcsk_[A-Za-z0-9_]{40,80}|${UUID}`, 3),
  context("elevenlabs-api-key", "elevenlabs", "ElevenLabs API key", ["elevenlabs", "eleven_labs", "xi_api_key", "xi-api-key"], "sk_[a-f0-9]{48}|[a-f0-9]{32}", 3),
  context("razorpay-secret", "razorpay", "Razorpay key secret", ["razorpay"], "[A-Za-z0-9]{24}", 3.5),
  context("plaid-secret", "plaid", "Plaid secret", ["plaid"], "[a-f0-9]{30}", 3),
  context("coinbase-token", "coinbase", "Coinbase API secret", ["coinbase"], "[A-Za-z0-9_-]{64}", 4),
  context("gocardless-token", "gocardless", "GoCardless access token", ["gocardless"], "live_[A-Za-z0-9=_-]{40}|sandbox_[A-Za-z0-9=_-]{40}", 3.5),
  context("lob-api-key", "lob", "Lob API key", ["lob"], "(?:live|test)_[a-f0-9]{35}", 3),
  context("kraken-secret", "kraken", "Kraken API secret", ["kraken"], "[A-Za-z0-9/=_+-]{80,90}", 4),
  context("kucoin-secret", "kucoin", "KuCoin API key or secret", ["kucoin"], `${UUID}|[a-f0-9]{24}`, 3),
  context("bittrex-secret", "bittrex", "Bittrex API secret", ["bittrex"], "[a-f0-9]{32}", 3),
  context("etsy-token", "etsy", "Etsy API key", ["etsy"], "[a-z0-9]{24}", 3.5),
  context("shopify-legacy-password", "shopify", "Shopify private app password (legacy)", ["shopify"], "[a-f0-9]{32}", 3),
  context("squarespace-token", "squarespace", "Squarespace API key", ["squarespace"], UUID),
  context("freshbooks-token", "freshbooks", "FreshBooks access token", ["freshbooks"], "[a-z0-9]{64}", 3.5),
  context("finicity-secret", "finicity", "Finicity API key or secret", ["finicity"], "[a-f0-9]{32}|[A-Za-z0-9]{20}", 3.5),
  context("finnhub-token", "finnhub", "Finnhub API key", ["finnhub"], "[a-z0-9]{20}", 3.5),
  context("flickr-token", "flickr", "Flickr API key", ["flickr"], "[a-z0-9]{32}", 3.5),
  context("fastly-token", "fastly", "Fastly API token", ["fastly"], "[A-Za-z0-9=_-]{32}", 3.5),
  context("looker-secret", "looker", "Looker client secret", ["looker"], "[A-Za-z0-9]{24}", 3.5),
  context("nytimes-token", "nytimes", "New York Times API key", ["nytimes", "newyorktimes", "new-york-times"], "[A-Za-z0-9=_-]{32}", 3.5),
  context("rapidapi-key", "rapidapi", "RapidAPI key", ["rapidapi"], "[A-Za-z0-9_-]{50}", 4),
  context("beamer-token", "beamer", "Beamer API key", ["beamer"], "b_[A-Za-z0-9=_-]{44}", 3.5),
  context("privateai-token", "privateai", "Private AI API key", ["privateai", "private_ai", "private-ai"], "[a-z0-9]{32}", 3.5),
  context("yandex-token", "yandex", "Yandex Cloud token", ["yandex"], "t1\\.[A-Za-z0-9_-]{8,200}={0,2}\\.[A-Za-z0-9_-]{86}={0,2}|YC[A-Za-z0-9_-]{38}", 3.5),
  context("sidekiq-secret", "sidekiq", "Sidekiq Enterprise credentials", ["contribsys__com"], "[a-f0-9]{8}:[a-f0-9]{8}", 2.5),
  context("sendbird-token", "sendbird", "Sendbird API token", ["sendbird"], "[a-f0-9]{40}", 3),
  context("meraki-api-key", "cisco", "Cisco Meraki API key", ["meraki"], "[a-f0-9]{40}", 3),
  context("confluent-secret", "confluent", "Confluent Cloud API secret", ["confluent"], "[A-Za-z0-9+/]{64}", 4),
  context("sourcegraph-token-legacy", "sourcegraph", "Sourcegraph access token (legacy)", ["sourcegraph", "src_access_token"], "[a-f0-9]{40}", 3),
  context("linear-client-secret", "linear", "Linear OAuth client secret", ["linear"], "[a-f0-9]{32}", 3),
  context("netlify-token-legacy", "netlify", "Netlify access token (legacy)", ["netlify"], "[A-Za-z0-9=_-]{40,46}", 3.5),
  context("adafruit-key-legacy", "adafruit", "Adafruit IO key (legacy)", ["adafruit"], "[a-z0-9_-]{32}", 3.5),
  context("akamai-client-secret", "akamai", "Akamai EdgeGrid client secret", ["akamai"], "[A-Za-z0-9+/]{43}=", 4),
];
