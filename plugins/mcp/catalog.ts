import { getMergePolicyOutcomeTool, queueCheckpointTool } from "./tools/change-control.ts";
import { exportPassportTool, getPassportTool, listPassportsTool } from "./tools/passports.ts";
import { getRemedyStatusTool, queueRemedyTool } from "./tools/remedy.ts";
import { getReviewRunTool, listReviewRunsTool, queueReviewTool } from "./tools/reviews.ts";

/** The ten tools of the MCP contract (spec: "MCP for IDE agents"), each backed by the service its REST route uses. */
export const TOOLS = [
  queueReviewTool,
  getReviewRunTool,
  listReviewRunsTool,
  queueRemedyTool,
  getRemedyStatusTool,
  listPassportsTool,
  getPassportTool,
  exportPassportTool,
  queueCheckpointTool,
  getMergePolicyOutcomeTool,
];
