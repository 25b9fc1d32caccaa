/** One access check of the suite in access.ts, and what every check gets. */
import type { Clients, ServerAddress } from "./clients";
import type { Sentinel } from "./liveness";
import type { Expected, Outcome } from "./outcome";

export interface AccessContext {
  server: ServerAddress;
  clients: Clients;
  dataDir: string;
  sentinel: Sentinel;
}

export interface AccessCheck {
  id: string;
  what: string;
  expect: Expected;
  run(ctx: AccessContext): Promise<Outcome>;
  leftovers?(ctx: AccessContext): Promise<string[]>;
}
