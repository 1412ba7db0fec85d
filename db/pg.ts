import { pgKit } from "./columns.ts";
import { defineSchema } from "./schema.ts";

export const { users, apiKeys, jobs, creditAccounts, creditLedger, creditReservations, instanceSettings } = defineSchema(pgKit);
