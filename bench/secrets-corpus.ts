/**
 * The secret scan's corpus, shared by `bench/secrets.ts` and `test/merge-gate/secrets.corpus.test.ts`: credentials in
 * the shapes providers issue them (one case per rule the engine has, several for private keys, URLs and the generic
 * rule) and look-alikes that must stay quiet. Every value is generated at run time from a seeded PRNG (right prefix,
 * alphabet and length; GitHub's and npm's CRC32 checksum; real keys from node:crypto), so no credential-shaped
 * literal sits in the repository for push protection or a scanner to trip on.
 */
import { generateKeyPairSync } from "node:crypto";

export interface CorpusCase {
  id: string;
  kind: "credential" | "lookalike";
  /** The rule that must find it (credentials only). */
  rule?: string;
  /** The added file it is in. */
  path: string;
  lines: string[];
  /** 1-based line the secret starts on, and ends on (credentials only). */
  line?: number;
  endLine?: number;
  /** The secret itself (credentials only): a finding must never contain it. */
  secret?: string;
}

/** mulberry32: small, fast, seeded. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";
const B62 = DIGITS + UPPER + LOWER;

function base62(n: number, width: number): string {
  let out = "";
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = B62[v % 62] + out;
  return out.padStart(width, "0");
}

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64");
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

/** Builds the corpus; the same seed gives the same values. */
export function secretCorpus(seed = 20_240_601): CorpusCase[] {
  const rand = prng(seed);
  const pick = (alphabet: string, n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    return s;
  };
  /** Random text that uses every class of its alphabet (as real tokens of that length do). */
  const mixed = (alphabet: string, n: number) => {
    for (;;) {
      const s = pick(alphabet, n);
      const classes = [LOWER, UPPER, DIGITS].filter((c) => alphabet.includes(c[0]));
      if (classes.every((c) => [...s].some((ch) => c.includes(ch))) || n < 8) return s;
    }
  };
  const an = (n: number) => mixed(B62, n);
  const hex = (n: number) => mixed("0123456789abcdef", n);
  const lowerAn = (n: number) => mixed(DIGITS + LOWER, n);
  const upperAn = (n: number) => mixed(DIGITS + UPPER, n);
  const url64 = (n: number) => mixed(`${B62}_-`, n);
  const std64 = (n: number) => mixed(`${B62}+/`, n);
  const digits = (n: number) => String(1 + Math.floor(rand() * 9)) + pick(DIGITS, n - 1);
  const letters = (n: number) => mixed(LOWER + UPPER, n);
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick("89ab", 1)}${hex(3)}-${hex(12)}`;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  /** GitHub and npm tokens: prefix + 30 random base62 + CRC32 of those 30 in 6 base62 digits. */
  const checksummed = (prefix: string) => {
    const body = an(30);
    return `${prefix}${body}${base62(Bun.hash.crc32(body), 6)}`;
  };
  const jwt = (payload: Record<string, unknown>) => `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(payload))}.${b64url(bytes(32))}`;

  const cases: CorpusCase[] = [];
  let n = 0;

  // — Credentials found by their own shape: each in a different kind of file, in turn —
  type Style = (id: string, name: string, value: string) => { path: string; lines: string[]; line: number };
  const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const styles: Style[] = [
    (id, name, v) => ({ path: `src/config/${id}.ts`, lines: [`// ${id.replace(/-/g, " ")}`, `export const ${camel(name)} = "${v}";`, "export default {};"], line: 2 }),
    (id, name, v) => ({ path: `app/settings/${id.replace(/-/g, "_")}.py`, lines: ["import os", "", `${name.toUpperCase()} = "${v}"`], line: 3 }),
    (id, name, v) => ({ path: `deploy/${id}.yml`, lines: ["service:", `  name: ${id}`, `  ${name}: ${v}`], line: 3 }),
    (id, name, v) => ({ path: `env/${id}.env`, lines: [`# ${id}`, `${name.toUpperCase()}=${v}`], line: 2 }),
    (id, name, v) => ({ path: `config/${id}.json`, lines: ["{", `  "name": "${id}",`, `  "${camel(name)}": "${v}"`, "}"], line: 3 }),
    (id, name, v) => ({ path: `internal/${id.replace(/-/g, "")}/config.go`, lines: ["package config", "", `const ${camel(`x_${name}`).slice(1)} = "${v}"`], line: 3 }),
    (id, name, v) => ({ path: `scripts/${id}.sh`, lines: ["#!/bin/sh", "set -eu", `export ${name.toUpperCase()}="${v}"`, 'exec "$@"'], line: 3 }),
    (id, _name, v) => ({ path: `docs/${id}.md`, lines: ["# Setup", "", `Call the API with \`${v}\` for now.`], line: 3 }),
    (id, name, v) => ({ path: `infra/${id}.tf`, lines: [`resource "vault_generic_secret" "${id.replace(/-/g, "_")}" {`, `  ${name} = "${v}"`, "}"], line: 2 }),
    (id, name, v) => ({ path: `docker/${id}/Dockerfile`, lines: ["FROM node:22-alpine", `ENV ${name.toUpperCase()}=${v}`, 'CMD ["node", "server.js"]'], line: 2 }),
  ];
  const token = (rule: string, name: string, value: string, style?: number) => {
    const s = styles[style ?? n++ % styles.length](rule, name, value);
    cases.push({ id: rule, kind: "credential", rule, path: s.path, lines: s.lines, line: s.line, endLine: s.line, secret: value });
  };
  /** A credential on its own line (or a line of its own making): `lines[line - 1]` holds `secret`. */
  const custom = (id: string, rule: string, path: string, lines: string[], secret: string, endLine?: number) => {
    const line = lines.findIndex((l) => l.includes(secret.split("\n")[0])) + 1;
    if (line === 0 || secret === "") throw new Error(`corpus case ${id}: the secret is not in its lines`);
    cases.push({ id, kind: "credential", rule, path, lines, line, endLine: endLine ?? line + secret.split("\n").length - 1, secret });
  };

  token("github-pat", "github_token", checksummed("ghp_"));
  token("github-oauth", "github_oauth_token", checksummed("gho_"));
  token("github-app-user-token", "github_user_token", checksummed("ghu_"));
  token("github-app-installation-token", "installation_token", checksummed("ghs_"));
  token("github-refresh-token", "github_refresh_token", `ghr_${an(76)}`);
  token("github-fine-grained-pat", "gh_pat", `github_pat_${an(22)}_${an(59)}`);
  token("gitlab-pat", "gitlab_token", `glpat-${url64(20)}`);
  token("gitlab-deploy-token", "gitlab_deploy_token", `gldt-${url64(20)}`);
  token("gitlab-runner-token", "runner_token", `glrt-t1_${url64(27)}.${lowerAn(2)}${lowerAn(7)}`);
  token("gitlab-pipeline-trigger-token", "trigger_token", `glptt-${hex(40)}`);
  token("gitlab-cicd-job-token", "ci_job_token", `glcbt-${an(2)}_${url64(20)}`);
  token("gitlab-feed-token", "feed_token", `glft-${url64(20)}`);
  token("gitlab-incoming-mail-token", "mail_token", `glimt-${url64(25)}`);
  token("gitlab-agent-token", "agent_token", `glagent-${url64(50)}`);
  token("gitlab-oauth-app-secret", "oauth_secret", `gloas-${url64(64)}`);
  token("gitlab-scim-token", "scim_token", `glsoat-${url64(20)}`);
  token("gitlab-feature-flag-token", "unleash_token", `glffct-${url64(20)}`);
  token("gitlab-runner-registration-token", "registration_token", `GR1348941${url64(20)}`);
  {
    const cookie = lowerAn(32);
    custom("gitlab-session-cookie", "gitlab-session-cookie", "test/e2e/cookies.txt", ["# captured while debugging", `Cookie: _gitlab_session=${cookie}; path=/`], cookie);
  }
  token("bitbucket-app-password", "bitbucket_app_password", `ATBB${an(32)}`);
  token("atlassian-api-token", "jira_token", `ATATT3${url64(186)}`);
  token("sourcegraph-token", "src_access_token", `sgp_${hex(16)}_${hex(40)}`);

  token("aws-access-key-id", "aws_access_key_id", `AKIA${upperAn(16)}`);
  token("aws-session-token", "aws_session_token", `FwoGZXIvYXdzE${std64(300)}`);
  token("aws-bedrock-api-key", "bedrock_key", `ABSK${std64(130)}`);
  token("aws-bedrock-short-term-key", "bedrock_token", `bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t${std64(120)}`);
  token("aws-mws-key", "mws_auth_token", `amzn.mws.${uuid()}`);
  token("gcp-api-key", "google_api_key", `AIza${url64(35)}`);
  token("gcp-oauth-client-secret", "google_client_secret", `GOCSPX-${url64(28)}`);
  token("gcp-oauth-access-token", "google_access_token", `ya29.a0${url64(160)}`);
  token("gcp-oauth-refresh-token", "google_refresh_token", `1//0${url64(99)}`);
  token("azure-ad-client-secret", "azure_client_secret", `${an(3)}8Q~${url64(34).replace(/-/g, "~")}`);
  {
    const key = `${std64(86)}==`;
    custom("azure-storage-account-key", "azure-storage-account-key", "src/storage.ts", ["const conn =", `  "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=${key};EndpointSuffix=core.windows.net";`], key);
    const shared = `${std64(43)}=`;
    custom("azure-shared-access-key", "azure-shared-access-key", "appsettings.Production.json", ["{", `  "ServiceBus": "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${shared}"`, "}"], shared);
  }
  {
    const sig = `${an(43)}%3D`;
    custom("azure-sas-token", "azure-sas-token", "src/upload.py", [`BLOB_URL = "https://acme.blob.core.windows.net/uploads?sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2027-01-01T00:00:00Z&spr=https&sig=${sig}"`], sig);
  }
  token("alibaba-access-key-id", "alibaba_access_key_id", `LTAI${an(20)}`);
  token("tencent-secret-id", "tencent_secret_id", `AKID${an(32)}`);
  token("digitalocean-pat", "do_token", `dop_v1_${hex(64)}`);
  token("digitalocean-oauth-token", "do_oauth", `doo_v1_${hex(64)}`);
  token("digitalocean-refresh-token", "do_refresh", `dor_v1_${hex(64)}`);
  token("heroku-api-key-v2", "heroku_token", `HRKU-AA${url64(58)}`);
  token("scaleway-access-key", "scw_access", `SCW${upperAn(17)}`);
  token("flyio-token", "fly_api_token", `fm2_${std64(180)}`);
  token("render-api-key", "render_key", `rnd_${an(32)}`);
  token("netlify-pat", "netlify_auth_token", `nfp_${an(36)}`);
  token("vercel-token", "vercel_token", `vcp_${an(56)}`);
  token("cloudflare-api-token", "cf_token", `cfut_${an(40)}${hex(8)}`);
  token("cloudflare-origin-ca-key", "origin_ca_key", `v1.0-${hex(24)}-${hex(146)}`);
  token("supabase-management-token", "supabase_access_token", `sbp_${hex(40)}`);
  token("planetscale-token", "pscale_token", `pscale_tkn_${url64(43)}`);
  token("planetscale-oauth-token", "pscale_oauth", `pscale_oauth_${url64(43)}`);
  token("planetscale-password", "database_password", `pscale_pw_${url64(43)}`);
  token("databricks-token", "databricks_token", `dapi${hex(32)}`);
  token("clickhouse-cloud-key", "clickhouse_secret", `4b1d${an(38)}`);
  token("doppler-token", "doppler_token", `dp.st.${an(43)}`);
  token("vault-service-token", "vault_token", `hvs.${url64(96)}`);
  token("vault-batch-token", "vault_batch", `hvb.${url64(160)}`);
  token("vault-recovery-token", "vault_recovery", `hvr.${url64(96)}`);
  token("terraform-cloud-token", "tfe_token", `${an(14)}.atlasv1.${url64(67)}`);
  token("pulumi-token", "pulumi_access_token", `pul-${hex(40)}`);
  token("infracost-token", "infracost_api_key", `ico-${an(32)}`);
  token("octopus-deploy-key", "octopus_api_key", `API-${upperAn(26)}`);
  token("openshift-token", "oc_token", `sha256~${url64(43)}`);
  token("akamai-client-token", "akamai_client_token", `akab-${lowerAn(16)}-${lowerAn(16)}`);

  token("grafana-api-key", "grafana_api_key", `eyJrIjoi${an(90)}`);
  token("grafana-cloud-token", "grafana_cloud_token", `glc_${an(120)}`);
  token("grafana-service-account-token", "grafana_sa_token", `glsa_${an(32)}_${hex(8)}`);
  token("newrelic-user-key", "newrelic_api_key", `NRAK-${upperAn(27)}`);
  token("newrelic-browser-key", "newrelic_browser_key", `NRJS-${hex(19)}`);
  token("newrelic-insert-key", "newrelic_insert_key", `NRII-${url64(32)}`);
  token("newrelic-license-key", "nr_license_key", `${hex(36)}NRAL`);
  token("sentry-user-token", "sentry_user_token", `sntryu_${hex(64)}`);
  token("sentry-org-token", "sentry_org_token", `sntrys_eyJ${an(150)}_${an(43)}`);
  token("dynatrace-token", "dt_api_token", `dt0c01.${upperAn(24)}.${upperAn(64)}`);
  token("postman-api-key", "postman_api_key", `PMAK-${hex(24)}-${hex(34)}`);
  token("readme-api-key", "readme_api_key", `rdme_${lowerAn(70)}`);
  token("prefect-api-key", "prefect_api_key", `pnu_${an(36)}`);
  token("buildkite-token", "buildkite_token", `bkua_${hex(40)}`);
  token("circleci-pat", "circle_token", `CCIPAT_${an(22)}_${hex(40)}`);
  token("sonarqube-token", "sonar_token", `squ_${hex(40)}`);
  token("harness-token", "harness_api_key", `pat.${url64(22)}.${an(24)}.${an(20)}`);
  token("settlemint-token", "settlemint_token", `sm_pat_${an(16)}`);
  token("authress-key", "authress_key", `sc_${lowerAn(12)}.${lowerAn(5)}.acc_${lowerAn(20)}.${std64(64)}`);

  token("npm-token", "npm_token", checksummed("npm_"));
  {
    const legacy = uuid();
    custom("npmrc-auth-token", "npmrc-auth-token", ".npmrc", ["registry=https://registry.npmjs.org/", `//registry.npmjs.org/:_authToken=${legacy}`], legacy);
  }
  token("pypi-token", "pypi_token", `pypi-AgEIcHlwaS5vcmc${url64(120)}`);
  token("rubygems-token", "gem_host_api_key", `rubygems_${hex(48)}`);
  token("nuget-api-key", "nuget_api_key", `oy2${lowerAn(43)}`);
  token("clojars-token", "clojars_password", `CLOJARS_${lowerAn(60)}`);
  token("crates-io-token", "cargo_registry_token", `cio${an(32)}`);
  token("docker-hub-pat", "docker_password", `dckr_pat_${url64(27)}`);
  token("jfrog-api-key", "artifactory_api_key", `AKCp${an(69)}`);
  token("jfrog-reference-token", "artifactory_token", `cmVmd${an(59)}`);

  token("slack-bot-token", "slack_bot_token", `xoxb-${digits(12)}-${digits(13)}-${an(24)}`);
  token("slack-user-token", "slack_user_token", `xoxp-${digits(12)}-${digits(12)}-${digits(13)}-${hex(32)}`);
  token("slack-app-token", "slack_app_token", `xapp-1-A${upperAn(10)}-${digits(13)}-${hex(64)}`);
  token("slack-config-token", "slack_config_token", `xoxe.xoxp-1-${an(164)}`);
  token("slack-legacy-token", "slack_legacy_token", `xoxs-${digits(10)}-${digits(11)}-${digits(12)}-${hex(64)}`);
  token("slack-webhook-url", "slack_webhook", `https://hooks.slack.com/services/T${upperAn(10)}/B${upperAn(10)}/${an(24)}`);
  token("discord-bot-token", "discord_bot_token", `${b64(digits(18))}.${url64(6)}.${url64(38)}`.replace(/=/g, ""));
  token("discord-webhook-url", "discord_webhook", `https://discord.com/api/webhooks/${digits(19)}/${url64(68)}`);
  token("telegram-bot-token", "telegram_bot_token", `${digits(10)}:AA${url64(33)}`);
  token("teams-webhook-url", "teams_webhook", `https://acme.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/${an(32)}/${uuid()}`);
  token("twitter-bearer-token", "twitter_bearer", `${"A".repeat(22)}${an(90)}`);
  token("facebook-page-token", "fb_page_token", `EAAG${an(180)}`);
  token("instagram-token", "ig_token", `IGQV${url64(160)}`);
  token("facebook-app-access-token", "fb_access_token", `${digits(15)}|${url64(32)}`);
  token("notion-token", "notion_token", `ntn_${digits(11)}${an(35)}`);
  token("notion-legacy-token", "notion_key", `secret_${an(43)}`);
  token("linear-api-key", "linear_api_key", `lin_api_${an(40)}`);
  token("linear-oauth-token", "linear_oauth", `lin_oauth_${hex(64)}`);
  token("airtable-pat", "airtable_token", `pat${an(14)}.${hex(64)}`);
  token("figma-token", "figma_token", `figd_${url64(40)}`);
  token("typeform-token", "typeform_token", `tfp_${url64(59)}`);
  token("contentful-pat", "contentful_management_token", `CFPAT-${url64(43)}`);
  token("hubspot-pat", "hubspot_token", `pat-na1-${uuid()}`);
  token("frameio-token", "frameio_token", `fio-u-${url64(64)}`);
  token("adafruit-key", "aio_key", `aio_${an(28)}`);
  token("adobe-client-secret", "adobe_client_secret", `p8e-${an(32)}`);
  token("1password-service-token", "op_service_account_token", `ops_eyJ${an(300)}`);
  token("1password-secret-key", "op_secret_key", `A3-${upperAn(6)}-${upperAn(11)}-${upperAn(5)}-${upperAn(5)}-${upperAn(5)}`);
  token("tailscale-key", "ts_authkey", `tskey-auth-${an(17)}-${an(33)}`);
  token("age-secret-key", "sops_age_key", `AGE-SECRET-KEY-1${pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)}`);
  token("defined-networking-key", "dn_api_key", `dnkey-${url64(26)}-${url64(52)}`);
  token("mapbox-secret-token", "mapbox_secret", `sk.eyJ1Ijoi${url64(60)}.${url64(22)}`);
  token("maxmind-license-key", "maxmind_license", `${an(6)}_${an(29)}_mmk`);
  token("scalingo-token", "scalingo_token", `tk-us-${url64(48)}`);
  token("intra42-secret", "intra_secret", `s-s4t2ud-${hex(64)}`);
  token("yandex-api-key", "yc_api_key", `AQVN${url64(36)}`);

  token("stripe-secret-key", "stripe_secret_key", `sk_live_${an(99)}`);
  token("stripe-restricted-key", "stripe_restricted_key", `rk_live_${an(99)}`);
  token("stripe-webhook-secret", "stripe_webhook_secret", `whsec_${an(32)}`);
  token("shopify-access-token", "shopify_access_token", `shpat_${hex(32)}`);
  token("shopify-shared-secret", "shopify_api_secret", `shpss_${hex(32)}`);
  token("square-access-token", "square_access_token", `EAAA${url64(60)}`);
  token("square-oauth-secret", "square_app_secret", `sq0csp-${url64(43)}`);
  token("braintree-access-token", "braintree_token", `access_token$production$${lowerAn(16)}$${hex(32)}`);
  token("plaid-access-token", "plaid_access_token", `access-production-${uuid()}`);
  token("flutterwave-secret-key", "flw_secret_key", `FLWSECK_TEST-${mixed("abcdefgh0123456789", 32)}-X`);
  token("shippo-token", "shippo_api_token", `shippo_live_${hex(40)}`);
  token("easypost-key", "easypost_api_key", `EZAK${an(54)}`);
  token("duffel-token", "duffel_access_token", `duffel_live_${url64(43)}`);
  token("mailchimp-api-key", "mailchimp_api_key", `${hex(32)}-us21`);

  token("sendgrid-api-key", "sendgrid_api_key", `SG.${url64(22)}.${url64(43)}`);
  token("brevo-api-key", "brevo_api_key", `xkeysib-${hex(64)}-${an(16)}`);
  token("twilio-api-key", "twilio_api_key", `SK${hex(32)}`);

  token("openai-api-key", "openai_api_key", `sk-proj-${url64(74)}T3BlbkFJ${url64(74)}`);
  token("anthropic-api-key", "anthropic_api_key", `sk-ant-api03-${url64(93)}AA`);
  token("groq-api-key", "groq_api_key", `gsk_${an(52)}`);
  token("huggingface-token", "hf_token", `hf_${letters(34)}`);
  token("perplexity-api-key", "pplx_key", `pplx-${an(48)}`);
  token("replicate-token", "replicate_api_token", `r8_${an(37)}`);
  token("xai-api-key", "xai_api_key", `xai-${an(80)}`);
  token("openrouter-api-key", "openrouter_key", `sk-or-v1-${hex(64)}`);
  token("langsmith-api-key", "langsmith_api_key", `lsv2_pt_${hex(32)}_${hex(10)}`);

  token("jwt", "service_role_key", jwt({ iss: "supabase", ref: lowerAn(20), role: "service_role", iat: 1_700_000_000 + Math.floor(rand() * 1e7), exp: 2_000_000_000 }));
  {
    const encoded = b64(jwt({ sub: uuid(), scope: "admin", iat: 1_700_000_000 + Math.floor(rand() * 1e7) }));
    custom("jwt-base64", "jwt-base64", "k8s/api-token.yaml", ["apiVersion: v1", "kind: ConfigMap", "data:", `  bootstrap: ${encoded}`], encoded);
  }
  {
    const basic = b64(`svc-deploy:${an(24)}`);
    custom("basic-auth-header", "basic-auth-header", "src/clients/legacy.ts", ["export const client = createClient({", `  headers: { Authorization: "Basic ${basic}" },`, "});"], basic);
  }

  // — Private keys, in every encoding a diff shows them —
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs1", format: "pem" } });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  const ecSec1 = generateKeyPairSync("ec", { namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "sec1", format: "pem" } });
  const ed = generateKeyPairSync("ed25519", { publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "der" } });
  const encrypted = generateKeyPairSync("ec", { namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: an(16) } });
  const wrap = (text: string, width: number) => text.match(new RegExp(`.{1,${width}}`, "g"))!;
  const rsaPem = rsa.privateKey.trim();
  const ecPem = ec.privateKey.trim();
  const opensshPem = ["-----BEGIN OPENSSH PRIVATE KEY-----", ...wrap(b64(Buffer.concat([Buffer.from("openssh-key-v1\0"), Buffer.from(bytes(380))])), 70), "-----END OPENSSH PRIVATE KEY-----"].join("\n");
  const pgp = ["-----BEGIN PGP PRIVATE KEY BLOCK-----", "", ...wrap(b64(bytes(600)), 64), `=${std64(4)}`, "-----END PGP PRIVATE KEY BLOCK-----"].join("\n");
  const multi = (id: string, path: string, before: string[], pem: string, after: string[], indent = "") => {
    const lines = [...before, ...pem.split("\n").map((l, i) => (i === 0 && before.at(-1)?.endsWith("`") ? l : indent + l)), ...after];
    const body = pem.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
    cases.push({ id, kind: "credential", rule: "private-key-pem", path, lines, line: before.length + 1, endLine: before.length + pem.split("\n").length, secret: body });
  };
  multi("private-key-pem-rsa", "deploy/keys/id_rsa", [], rsaPem, []);
  multi("private-key-pem-pkcs8-template-literal", "src/signing.ts", ["export const signingKey = `"], ecPem, ["`;"]);
  multi("private-key-pem-sec1-yaml-block", "k8s/values.yaml", ["tls:", "  key: |"], ecSec1.privateKey.trim(), ["  enabled: true"], "    ");
  multi("private-key-pem-openssh", "ansible/files/deploy_key", ["# deploy key for the build host"], opensshPem, []);
  multi("private-key-pem-pgp", "release/signing.asc", [], pgp, []);
  multi("private-key-pem-encrypted", "certs/server.key", [], encrypted.privateKey.trim(), []);
  {
    const parts = ecPem.split("\n");
    const lines = ["const pem =", ...parts.map((p, i) => `  "${p}\\n"${i < parts.length - 1 ? " +" : ";"}`)];
    cases.push({ id: "private-key-pem-concatenated-strings", kind: "credential", rule: "private-key-pem", path: "src/jwt/keys.js", lines, line: 2, endLine: parts.length + 1, secret: parts[1] });
  }
  {
    const escaped = rsaPem.replace(/\n/g, "\\n");
    const lines = ["{", '  "type": "service_account",', `  "project_id": "acme-prod-${lowerAn(6)}",`, `  "private_key_id": "${hex(40)}",`, `  "private_key": "${escaped}\\n",`, `  "client_email": "deployer@acme-prod.iam.gserviceaccount.com"`, "}"];
    cases.push({ id: "private-key-inline-gcp-service-account", kind: "credential", rule: "private-key-inline", path: "secrets/gcp-service-account.json", lines, line: 5, endLine: 5, secret: escaped });
  }
  {
    const escaped = ecPem.replace(/\n/g, "\\n");
    custom("private-key-inline-env", "private-key-inline", ".env.production", [`JWT_PRIVATE_KEY="${escaped}"`], escaped);
  }
  {
    const encoded = b64(`${rsaPem}\n`);
    custom("private-key-base64", "private-key-base64", "k8s/tls-secret.yaml", ["apiVersion: v1", "kind: Secret", "type: kubernetes.io/tls", "metadata:", "  name: web-tls", "data:", `  tls.key: ${encoded}`], encoded);
  }
  {
    const der = b64(ed.privateKey);
    custom("private-key-der", "private-key-der", "src/crypto/ed25519.ts", [`const PRIVATE_DER = "${der}";`], der);
    const pkcs1 = b64(generateKeyPairSync("rsa", { modulusLength: 1024, publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs1", format: "der" } }).privateKey);
    custom("private-key-der-pkcs1", "private-key-der", "config/signer.yml", ["signer:", `  rsa_key: ${pkcs1}`], pkcs1);
  }
  {
    const body = b64(Buffer.concat([Buffer.from("openssh-key-v1\0"), Buffer.from(bytes(200))]));
    custom("private-key-openssh-base64", "private-key-openssh-base64", "ci/keys.json", ["{", `  "sshKeyBody": "${body}"`, "}"], body);
  }
  {
    const lines = ["PuTTY-User-Key-File-3: ssh-ed25519", "Encryption: none", "Comment: deploy@ci", "Public-Lines: 2", ...wrap(b64(bytes(51)), 64), "Private-Lines: 1", b64(bytes(36)), `Private-MAC: ${hex(64)}`];
    cases.push({ id: "putty-private-key", kind: "credential", rule: "putty-private-key", path: "keys/deploy.ppk", lines, line: 1, endLine: lines.length, secret: lines[lines.length - 2] });
  }

  // — Credentials in URLs, headers and tools' config files —
  {
    const pass = an(20);
    custom("url-credentials-postgres", "url-credentials", "config/database.yml", ["production:", `  url: postgres://app_rw:${pass}@db-prod.internal.acme.io:5432/app`], pass);
  }
  {
    const pass = std64(24).replace(/[+/]/g, "x");
    custom("url-credentials-mongodb-srv", "url-credentials", "src/db.ts", [`const uri = "mongodb+srv://admin:${pass}@cluster0.ab1cd.mongodb.net/app?retryWrites=true";`], pass);
  }
  {
    const pass = an(18);
    custom("url-credentials-redis-no-user", "url-credentials", "docker-compose.prod.yml", ["services:", "  worker:", "    environment:", `      REDIS_URL: redis://:${pass}@cache.prod.acme.io:6379/0`], pass);
  }
  {
    const pass = `${an(10)}%21${an(6)}`;
    custom("url-credentials-git-https", "url-credentials", "scripts/mirror.sh", [`git clone https://ci-bot:${pass}@git.acme.io/platform/app.git`], pass);
  }
  {
    const pass = an(16);
    custom("url-credentials-amqp", "url-credentials", "app/celery.py", [`broker_url = "amqp://celery:${pass}@rabbitmq.prod.svc:5672/tasks"`], pass);
  }
  {
    const tok = hex(40);
    custom("url-credentials-x-oauth-basic", "url-credentials", "Makefile", [`\tgit push https://${tok}:x-oauth-basic@github.com/acme/app.git`], tok);
  }
  {
    const tok = an(40);
    custom("bearer-token", "bearer-token", "scripts/sync.sh", [`curl -sS -H "Authorization: Bearer ${tok}" https://api.acme.io/v2/sync`], tok);
  }
  {
    const pass = an(18);
    custom("curl-user-password", "curl-user-password", "docs/api.md", ["```sh", `curl -u admin:${pass} https://jenkins.acme.io/api/json`, "```"], pass);
  }
  {
    const auth = b64(`acme-ci:${an(22)}`);
    custom("docker-config-auth", "docker-config-auth", "ci/docker/config.json", ["{", '  "auths": {', '    "registry.acme.io": {', `      "auth": "${auth}"`, "    }", "  }", "}"], auth);
  }
  {
    const value = b64(`${an(12)}!${an(8)}`);
    custom("kubernetes-secret-data", "kubernetes-secret", "k8s/db-secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: db", "type: Opaque", "data:", "  username: YXBw", `  db-pass: ${value}`], value);
  }
  {
    const value = `${an(10)}-${an(10)}`;
    custom("kubernetes-secret-string-data", "kubernetes-secret", "k8s/api-secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: api", "stringData:", `  signing-material: "${value}"`], value);
  }

  // — Provider values that need their name (context rules) —
  /** Context rules need their name, so never the prose style (which has none). */
  const contextual = (rule: string, name: string, value: string) => {
    if (n % styles.length === 7) n++;
    token(rule, name, value);
  };
  contextual("aws-secret-access-key", "aws_secret_access_key", std64(40));
  contextual("azure-devops-pat", "azure_devops_pat", mixed("abcdefghijklmnopqrstuvwxyz234567", 52));
  contextual("alibaba-secret", "alibaba_cloud_access_key_secret", an(30));
  contextual("tencent-secret-key", "tencentcloud_secret_key", an(32));
  contextual("ibm-cloud-api-key", "ibmcloud_api_key", url64(44));
  contextual("linode-token", "linode_token", hex(64));
  contextual("heroku-api-key", "heroku_api_key", uuid());
  contextual("scaleway-secret-key", "scaleway_secret_key", uuid());
  contextual("hetzner-token", "hcloud_token", an(64));
  contextual("vultr-api-key", "vultr_api_key", upperAn(36));
  contextual("cloudflare-global-key", "cloudflare_api_key", hex(37));
  contextual("cloudflare-token-legacy", "cloudflare_api_token", url64(40));
  contextual("vault-legacy-token", "vault_token", `s.${an(24)}`);
  contextual("datadog-api-key", "datadog_api_key", hex(32));
  contextual("datadog-app-key", "datadog_app_key", hex(40));
  contextual("newrelic-api-key", "newrelic_admin_key", an(64));
  contextual("sentry-auth-token", "sentry_auth_token", hex(64));
  contextual("sumologic-access-key", "sumo_access_key", an(64));
  contextual("splunk-hec-token", "splunk_hec_token", uuid());
  contextual("pagerduty-api-key", "pagerduty_token", `u+${url64(18)}`);
  contextual("honeycomb-api-key", "honeycomb_api_key", an(22));
  contextual("codecov-token", "codecov_token", uuid());
  contextual("travisci-token", "travis_token", an(22));
  contextual("droneci-token", "drone_token", an(32));
  contextual("circleci-token", "circleci_token", hex(40));
  contextual("snyk-token", "snyk_token", uuid());
  contextual("sonarqube-token-legacy", "sonar_login", hex(40));
  contextual("jfrog-identity-token", "jfrog_access_token", an(64));
  contextual("gitea-token", "gitea_token", hex(40));
  contextual("bitbucket-secret", "bitbucket_client_secret", an(32));
  contextual("atlassian-token-legacy", "jira_api_token", an(24));
  contextual("asana-token", "asana_access_token", `1/${digits(16)}:${an(32)}`);
  contextual("trello-token", "trello_token", hex(64));
  contextual("airtable-api-key", "airtable_api_key", `key${an(14)}`);
  contextual("twilio-auth-token", "twilio_auth_token", hex(32));
  contextual("vonage-api-secret", "vonage_api_secret", an(16));
  contextual("messagebird-key", "messagebird_access_key", an(25));
  contextual("mailgun-api-key", "mailgun_api_key", `key-${hex(32)}`);
  contextual("postmark-token", "postmark_server_token", uuid());
  contextual("discord-client-secret", "discord_client_secret", url64(32));
  contextual("mattermost-token", "mattermost_token", lowerAn(26));
  contextual("twitch-token", "twitch_client_secret", lowerAn(30));
  contextual("gitter-token", "gitter_token", url64(40));
  contextual("twitter-api-secret", "twitter_api_secret", an(50));
  contextual("facebook-app-secret", "facebook_app_secret", hex(32));
  contextual("linkedin-client-secret", "linkedin_client_secret", an(16));
  contextual("dropbox-token", "dropbox_access_token", `sl.${url64(140)}`);
  contextual("zendesk-token", "zendesk_api_token", an(40));
  contextual("intercom-token", "intercom_access_token", url64(60));
  contextual("hubspot-api-key", "hubspot_api_key", uuid());
  contextual("algolia-admin-key", "algolia_admin_api_key", hex(32));
  contextual("launchdarkly-key", "launchdarkly_sdk_key", `sdk-${uuid()}`);
  contextual("contentful-delivery-token", "contentful_delivery_token", url64(43));
  contextual("okta-token", "okta_api_token", `00${url64(40)}`);
  contextual("auth0-client-secret", "auth0_client_secret", url64(64));
  contextual("cohere-api-key", "cohere_api_key", an(40));
  contextual("mistral-api-key", "mistral_api_key", an(32));
  contextual("deepseek-api-key", "deepseek_api_key", `sk-${hex(32)}`);
  contextual("pinecone-api-key", "pinecone_api_key", `pcsk_${an(6)}_${an(60)}`);
  contextual("elevenlabs-api-key", "elevenlabs_api_key", `sk_${hex(48)}`);
  contextual("razorpay-secret", "razorpay_key_secret", an(24));
  contextual("plaid-secret", "plaid_secret", hex(30));
  contextual("coinbase-token", "coinbase_api_secret", url64(64));
  contextual("gocardless-token", "gocardless_access_token", `live_${url64(40)}`);
  contextual("lob-api-key", "lob_api_key", `live_${hex(35)}`);
  contextual("kraken-secret", "kraken_private_key", std64(86));
  contextual("kucoin-secret", "kucoin_api_secret", uuid());
  contextual("bittrex-secret", "bittrex_api_secret", hex(32));
  contextual("etsy-token", "etsy_api_key", lowerAn(24));
  contextual("shopify-legacy-password", "shopify_password", hex(32));
  contextual("squarespace-token", "squarespace_api_key", uuid());
  contextual("freshbooks-token", "freshbooks_token", lowerAn(64));
  contextual("finicity-secret", "finicity_app_key", hex(32));
  contextual("finnhub-token", "finnhub_api_key", lowerAn(20));
  contextual("flickr-token", "flickr_api_key", lowerAn(32));
  contextual("fastly-token", "fastly_api_token", url64(32));
  contextual("looker-secret", "looker_client_secret", an(24));
  contextual("nytimes-token", "nytimes_api_key", url64(32));
  contextual("rapidapi-key", "rapidapi_key", url64(50));
  contextual("beamer-token", "beamer_api_key", `b_${url64(44)}`);
  contextual("privateai-token", "privateai_api_key", lowerAn(32));
  contextual("yandex-token", "yandex_aws_key", `YC${url64(38)}`);
  contextual("sidekiq-secret", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM", `${hex(8)}:${hex(8)}`);
  contextual("sendbird-token", "sendbird_api_token", hex(40));
  contextual("meraki-api-key", "meraki_api_key", hex(40));
  contextual("confluent-secret", "confluent_cloud_api_secret", std64(64));
  contextual("sourcegraph-token-legacy", "sourcegraph_token", hex(40));
  contextual("linear-client-secret", "linear_client_secret", hex(32));
  contextual("netlify-token-legacy", "netlify_auth_token", url64(43));
  contextual("adafruit-key-legacy", "adafruit_io_key", mixed(`${DIGITS}${LOWER}_-`, 32));
  contextual("akamai-client-secret", "akamai_client_secret", `${std64(43)}=`);

  // — The generic rule: high-entropy values assigned to secret-like names, in many dialects —
  const generic = (id: string, path: string, lines: string[], secret: string) => custom(id, "generic-secret", path, lines, secret);
  const g = () => `${an(14)}${pick("!#%^*_-", 1)}${an(11)}`;
  let v = g();
  generic("generic-env-password", "deploy/prod.env", ["NODE_ENV=production", `DB_PASSWORD=${v}`], v);
  v = an(40);
  generic("generic-ts-client-secret", "src/auth/oauth.ts", ["export const oauth = {", '  clientId: "web-app",', `  clientSecret: "${v}",`, "};"], v);
  v = hex(64);
  generic("generic-py-secret-key", "app/settings.py", ["DEBUG = False", `SECRET_KEY = "${v}"`], v);
  v = g();
  generic("generic-yaml-api-key", "config/production.yml", ["payments:", `  api_key: "${v}"`], v);
  v = an(32);
  generic("generic-json-token", "config/integrations.json", ["{", '  "webhooks": {', `    "signingSecret": "${v}"`, "  }", "}"], v);
  v = g();
  generic("generic-go-walrus", "cmd/server/main.go", ["func main() {", `\tdbPassword := "${v}"`, "\t_ = dbPassword", "}"], v);
  v = an(24);
  generic("generic-php-array", "config/services.php", ["return [", `    'mail_password' => '${v}',`, "];"], v);
  v = an(28);
  generic("generic-java-constant", "src/main/java/com/acme/Keys.java", ["public final class Keys {", `    private static final String API_SECRET = "${v}";`, "}"], v);
  v = g();
  generic("generic-properties", "src/main/resources/application-prod.properties", ["spring.datasource.url=jdbc:postgresql://db:5432/app", `spring.datasource.password=${v}`], v);
  v = g();
  generic("generic-xml-add-key", "web.config", ["<appSettings>", `  <add key="PaymentGatewayPassword" value="${v}" />`, "</appSettings>"], v);
  v = g();
  generic("generic-xml-element", "settings.xml", ["<server>", "  <id>acme-releases</id>", "  <username>deployer</username>", `  <password>${v}</password>`, "</server>"], v);
  v = an(30);
  generic("generic-comparison", "src/middleware/admin.ts", ["export function isAdmin(req: Request) {", `  return req.query.adminToken === "${v}";`, "}"], v);
  v = g();
  generic("generic-connection-string", "src/Data/Db.cs", [`var cs = "Server=sql.prod.acme.io;Database=app;User Id=app;Password=${v};";`], v);
  v = g();
  generic("generic-ini", "deploy/odbc.ini", ["[production]", "Server = sql.acme.io", `Password = ${v}`], v);
  v = an(36);
  generic("generic-toml", "config/app.toml", ["[auth]", `jwt_secret = "${v}"`], v);
  v = g();
  generic("generic-ruby-symbol", "config/initializers/smtp.rb", ["ActionMailer::Base.smtp_settings = {", `  :password => "${v}",`, "}"], v);
  v = an(32);
  generic("generic-setenv-call", "scripts/bootstrap.py", [`os.environ.setdefault("API_TOKEN", "${v}")`], v);
  v = b64(`ci-user:${an(20)}`);
  generic("generic-npmrc-auth", "packages/web/.npmrc", ["registry=https://npm.acme.io/", `_auth=${v}`], v);

  // — Look-alikes: every one must stay quiet —
  const quiet = (id: string, path: string, lines: string[]) => cases.push({ id, kind: "lookalike", path, lines });
  quiet("env-read-node", "src/stripe.ts", ["const stripeSecretKey = process.env.STRIPE_SECRET_KEY;", 'const token = process.env["GITHUB_TOKEN"] ?? "";']);
  quiet("env-read-python", "app/keys.py", ['API_TOKEN = os.environ["API_TOKEN"]', 'DB_PASSWORD = os.getenv("DB_PASSWORD", "")']);
  quiet("env-read-go-ruby", "internal/env.go", ['token := os.Getenv("GITHUB_TOKEN")', 'secret := viper.GetString("auth.secret")']);
  quiet("env-read-ruby", "config/secrets.rb", ['SECRET_KEY_BASE = ENV.fetch("SECRET_KEY_BASE")', 'api_key = ENV["STRIPE_API_KEY"]']);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the look-alike is a literal ${…} reference
  quiet("actions-secrets", ".github/workflows/deploy.yml", ["    env:", "      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}"]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the look-alike is a literal ${…} reference
  quiet("shell-variables", "scripts/deploy.sh", ["export AWS_SECRET_ACCESS_KEY=$AWS_SECRET", 'export GITHUB_TOKEN="${GH_TOKEN:?missing}"', "TOKEN=$(vault kv get -field=token secret/ci)"]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the look-alike is a literal ${…} reference
  quiet("compose-interpolation", "docker-compose.yml", ["    environment:", "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-}", "      API_KEY: ${API_KEY}"]);
  quiet("helm-template", "chart/templates/secret.yaml", ["kind: Secret", "data:", "  password: {{ .Values.db.password | b64enc | quote }}"]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the look-alike is a literal ${…} reference
  quiet("k8s-secret-placeholders", "k8s/secret.example.yaml", ["apiVersion: v1", "kind: Secret", "stringData:", "  password: ${DB_PASSWORD}", "data:", `  token: ${b64("changeme")}`]);
  quiet("env-example-placeholders", ".env.example", ["STRIPE_SECRET_KEY=sk_live_your_key_here", `OPENAI_API_KEY=sk-${"x".repeat(48)}`, "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "SLACK_TOKEN=<your-slack-token>"]);
  quiet("placeholder-words", "config/example.yml", ['api_key: "<your-api-key>"', 'client_secret: "YOUR_CLIENT_SECRET"', 'password: "changeme"', 'token: "insert-token-here"']);
  quiet("aws-documented-example", "docs/aws.md", ["[default]", `aws_access_key_id = ${["AKIA", "IOSFODNN7", "EXAMPLE"].join("")}`, `aws_secret_access_key = ${["wJalrXUtnFEMI", "/K7MDENG/bPxRfiCY", "EXAMPLEKEY"].join("")}`]);
  quiet("stripe-documented-example", "docs/payments.md", [`Stripe.api_key = "${["sk_test_", "4eC39HqLyjWDarjtT1zdp7dc"].join("")}"`]);
  quiet("slack-documented-example", "docs/slack.md", [`Authorization: Bearer ${["xoxb-", "17653672481-19874698323-", "pdFZKVeTuE8sk7oOcBrzbqgy"].join("")}`]);
  quiet("jwt-io-example", "test/fixtures/auth.test.ts", [`const token = "${["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"].join(".")}";`]);
  quiet("unsigned-jwt", "test/fixtures/none.ts", [`const unsigned = "${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify({ sub: "42" }))}.";`]);
  quiet("integrity-html", "public/index.html", [`<script src="https://cdn.acme.io/app.js" integrity="sha384-${std64(64)}" crossorigin="anonymous"></script>`]);
  quiet("integrity-lockfile", "package-lock.json", ['    "node_modules/left-pad": {', '      "version": "1.3.0",', `      "integrity": "sha512-${std64(86)}=="`, "    }"]);
  quiet("uuids", "src/tenants.ts", [`const tenantId = "${uuid()}";`, `export const requestId = "${uuid()}";`, `const apiKeyId = "${uuid()}";`]);
  quiet("git-shas", "deploy/release.yml", [`ref: ${hex(40)}`, `commit_sha: "${hex(40)}"`, `base: ${hex(40)}`]);
  quiet("git-sha-urls", "CHANGELOG.md", [`- Fixed in https://github.com/acme/app/commit/${hex(40)}`, `- See ${hex(7)} and ${hex(40)}`]);
  quiet("docker-digests", "k8s/deployment.yaml", [`        image: ghcr.io/acme/api@sha256:${hex(64)}`]);
  quiet("checksums", "tools/versions.json", [`{ "sha256": "${hex(64)}", "md5": "${hex(32)}", "checksum": "sha256:${hex(64)}" }`]);
  quiet("html-password-field", "templates/login.html", ['<label for="password">Password</label>', '<input type="password" name="password" id="password" autocomplete="current-password" required>', '<input type="hidden" name="token_type" value="bearer">']);
  quiet("config-lookups", "app/db.py", ['password = config.get("database.password")', "token = settings.GITHUB_TOKEN", 'secret = vault.read("secret/data/app")["data"]']);
  quiet("config-lookups-ts", "src/db/config.ts", ["const password = config.database.password;", "const apiKey = getSecret('stripe-api-key');", "const token = await secrets.get(name);"]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the look-alike is a literal ${…} reference
  quiet("spring-placeholders", "src/main/resources/application.properties", ["spring.datasource.password=${DB_PASSWORD}", "jwt.secret=${JWT_SECRET:}"]);
  quiet("terraform-references", "infra/db.tf", ["  password = var.db_password", "  secret_key = random_password.app.result", "  token = data.vault_generic_secret.ci.data[\"token\"]"]);
  quiet("data-url-image", "src/components/Logo.tsx", [`const logo = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${std64(600)}";`]);
  quiet("data-url-font", "public/fonts.css", [`@font-face { font-family: Inter; src: url(data:font/woff2;base64,d09GMgABAAAA${std64(800)}) format("woff2"); }`]);
  quiet("css-colours", "src/styles/tokens.css", [":root {", "  --secret-color: #1a2b3c;", "  --token-bg: #ffcc00aa;", "  --password-border: #333;", "}"]);
  quiet("redacted-values", "test/fixtures/logs.json", ['{ "password": "********", "token": "[REDACTED]", "apiKey": "<redacted>", "secret": "•••••••••" }']);
  quiet("test-names", "test/auth.test.ts", ['it("rejects an expired api token", async () => {});', 'test("password reset tokens are single use", () => {});', "def test_secret_key_rotation_keeps_old_sessions():"]);
  quiet("pem-public-key", "certs/public.pem", rsa.publicKey.trim().split("\n"));
  quiet("pem-certificate", "certs/ca.crt", ["-----BEGIN CERTIFICATE-----", ...wrap(b64(bytes(700)), 64), "-----END CERTIFICATE-----"]);
  quiet("pem-header-constants", "src/pem.ts", ['const HEADER = "-----BEGIN PRIVATE KEY-----";', 'const FOOTER = "-----END PRIVATE KEY-----";', "export function isPem(text: string) { return text.startsWith(HEADER); }"]);
  quiet("ssh-public-key", "deploy/authorized_keys", [`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${std64(43)} deploy@ci`, `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ${std64(500)} ops@bastion`]);
  quiet("publishable-keys", "src/checkout.ts", [`const stripePublishableKey = "pk_live_${an(99)}";`, `mapboxgl.accessToken = "pk.eyJ1Ijoi${url64(60)}.${url64(22)}";`]);
  quiet("sentry-dsn", "src/sentry.ts", [`Sentry.init({ dsn: "https://${hex(32)}@o${digits(6)}.ingest.sentry.io/${digits(7)}" });`]);
  quiet("bcrypt-hashes", "db/seeds/users.json", [`{ "email": "admin@acme.io", "password": "$2b$12$${mixed(`${B62}./`, 53)}" }`, `{ "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$${std64(22)}$${std64(43)}" }`]);
  quiet("local-database-urls", ".env.development", ["DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_dev", "REDIS_URL=redis://:password@127.0.0.1:6379", "AMQP_URL=amqp://guest:guest@rabbitmq:5672", "MONGO_URL=mongodb://root:example@mongo.test:27017"]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the look-alike is a literal ${…} reference
  quiet("url-with-variable-password", "src/queue.ts", ["const url = `amqp://app:${process.env.RABBIT_PASSWORD}@rabbit.prod:5672`;", "const db = `postgres://${user}:${password}@${host}/app`;"]);
  quiet("i18n-keys", "locales/en.json", ['{ "password.reset.token.expired": "Your reset link has expired", "auth.secret_question": "Your first pet?" }']);
  quiet("cache-and-sort-keys", "src/cache.ts", ['const cacheKey = "user:profile:v2";', 'const sortKey = "createdAt";', `const idempotencyKey = "${uuid()}";`, `const etag = "${hex(32)}";`]);
  quiet("types-and-defaults", "src/types.ts", ["interface Login { password: string; token?: string | null; apiKey: ApiKey }", 'function connect(password = "", secret?: string) {}']);
  quiet("csrf-and-nonce", "templates/form.html", [`<meta name="csrf-token" content="${an(40)}">`, `<script nonce="${std64(24)}">init()</script>`, `csrf_token = "${an(40)}"`]);
  quiet("sops-and-vault-encrypted", "secrets/app.enc.yaml", [`password: ENC[AES256_GCM,data:${std64(24)},iv:${std64(32)},tag:${std64(22)},type:str]`, "secret: !vault |", "  $ANSIBLE_VAULT;1.1;AES256", `  ${hex(80)}`]);
  quiet("secret-references", "config/prod.yml", ["db_password: vault:secret/data/db#password", "api_key: arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key", "token: op://ci/github/token"]);
  quiet("identifiers-not-secrets", "config/twilio.env", [`TWILIO_ACCOUNT_SID=AC${hex(32)}`, `GOOGLE_CLIENT_ID=${digits(12)}-${lowerAn(32)}.apps.googleusercontent.com`, `DISCORD_CLIENT_ID=${digits(18)}`, `SENTRY_DSN_URL=https://sentry.io/${hex(32)}`]);
  quiet("low-entropy-passwords", "test/fixtures/users.yml", ["password: secret123", "admin_password: Password1", "token: abc", "db_pass: postgres"]);
  quiet("versions-and-dates", "package.json", ['  "version": "1.2.3-beta.4+sha.5114f85",', '  "publishConfig": { "tag": "next" },', '  "tokenizer": "gpt-tokenizer@4.0.0"']);
  quiet("random-ids", "src/ids.ts", [`const traceId = "${hex(32)}";`, `const sessionIdCookieName = "sid_${an(8)}";`, `const buildNumber = "${digits(12)}";`]);
  quiet("prose-about-secrets", "docs/security.md", ["Never commit your API key or password; use `process.env.API_KEY` instead.", "The token: a 40-character value GitHub gives you.", "Set `password:` in the vault, not here."]);
  quiet("base64-public-data", "src/assets.ts", [`export const ICON = "${std64(200)}";`, `const publicKeyBase64 = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE${std64(88)}";`]);

  return cases;
}

/** The corpus as one synthetic pull request's unified diff: each case an added file. */
export function corpusDiff(cases: CorpusCase[], shift = 0): string {
  return cases
    .map((c) => {
      const lines = [...Array.from({ length: shift }, () => ""), ...c.lines];
      return `diff --git a/${c.path} b/${c.path}\nnew file mode 100644\n--- /dev/null\n+++ b/${c.path}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}\n`;
    })
    .join("");
}
