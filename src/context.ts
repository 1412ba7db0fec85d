import type { Config } from "./config/index.ts";
import type { DatabaseHandle, Db, Tables } from "./db/client.ts";
import type { Logger } from "./log.ts";

/** Process-wide dependencies, built once by `createContext` and handed to every service. */
export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  tables: Tables;
  log: Logger;
}

/** Who is calling: resolved from a `crt_` key by the auth plugin (or MCP), passed to services. */
export interface Principal {
  userId: string;
  userName: string;
  keyId: string;
  scopes: string[];
}

export type ServiceContext = AppContext & { principal: Principal };
