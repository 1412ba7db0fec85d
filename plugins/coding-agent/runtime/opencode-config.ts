import type { ModelConfig } from "../../../src/config/index.ts";
import type { AgentProcess, Sandbox } from "../sandbox/provider.ts";

/** The provider id runs use inside OpenCode: this server's Inference API. */
export const PROVIDER_ID = "critique";

/**
 * How OpenCode runs in a sandbox: headless (`opencode serve`), offline (no self-update, no model list from the
 * internet, no LSP downloads, no plugins, no sharing), never waiting for a human (every permission decided up
 * front: no question tool, nothing outside the workspace, no web), and with exactly one provider: this server's
 * Inference API with the run's short-lived key. The repository cannot change any of it (project config is off).
 */
export function opencodeProcess(sandbox: Sandbox, model: ModelConfig, runKey: string): AgentProcess {
  const config = {
    autoupdate: false,
    share: "disabled",
    snapshot: false,
    provider: {
      [PROVIDER_ID]: {
        npm: "@ai-sdk/openai-compatible",
        name: "Critique",
        options: { baseURL: sandbox.inferenceBaseUrl, apiKey: runKey },
        models: { [model.id]: { name: model.id, limit: { context: model.contextWindow, output: model.maxOutputTokens } } },
      },
    },
    model: `${PROVIDER_ID}/${model.id}`,
    small_model: `${PROVIDER_ID}/${model.id}`,
    permission: {
      read: "allow",
      edit: "allow",
      glob: "allow",
      grep: "allow",
      list: "allow",
      bash: "allow",
      task: "deny",
      todowrite: "allow",
      skill: "deny",
      lsp: "deny",
      question: "deny",
      webfetch: "deny",
      websearch: "deny",
      external_directory: "deny",
      doom_loop: "deny",
    },
  };
  return {
    command: [sandbox.agentBinary, "serve", "--port", String(sandbox.agentPort), "--hostname", "127.0.0.1"],
    env: {
      OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
      OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
      OPENCODE_DISABLE_SHARE: "1",
      OPENCODE_DISABLE_CLAUDE_CODE: "1",
      OPENCODE_DISABLE_PROJECT_CONFIG: "1",
      OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
      OPENCODE_DISABLE_EMBEDDED_WEB_UI: "1",
    },
  };
}
