import { sqliteKit } from "./columns.ts";
import { defineSchema } from "./schema.ts";

export const { users, apiKeys, jobs, creditAccounts, creditLedger, creditReservations, instanceSettings,
  githubInstallations, githubRepositories, installationMembers, reviewRuns, reviewFindings, reviewRunHistory, pullRequestStates, githubDeliveries,
  inferenceUsage, trainingSamples, rateLimitWindows,
  passports, passportSnapshots, checkpoints, policyEvaluations,
  webhookEndpoints, webhookDeliveries, webhookAttempts,
  codingAgentRuns, codingAgentEvents, userCredentials,
  remedyRuns, sessions,
} = defineSchema(sqliteKit);
