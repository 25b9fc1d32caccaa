/**
 * The clean-up cell: deletes everything every session of this kernel
 * created. It takes no arguments on purpose: tslab forgets the variables of
 * a cell that failed, so the cell must not depend on any of them.
 */
import { cleanUpTracked, type CleanupResult } from "./cleanup";
import { showTable } from "./display";
import { activeSessions } from "./session";

export async function cleanUp(): Promise<CleanupResult[]> {
  const results: CleanupResult[] = [];
  for (const session of activeSessions()) {
    results.push(...(await cleanUpTracked(session.clients.sagemaker, session.tracker)));
  }
  if (results.length === 0) {
    console.log("Nothing to clean up: this kernel created no SageMaker resources (or they are already deleted).");
    return results;
  }
  showTable(results.map((r) => ({ resource: r.kind, name: r.name, outcome: r.outcome, error: r.error ?? "" })));
  const failed = results.filter((r) => r.outcome === "failed");
  if (failed.length > 0) {
    throw new Error(
      `clean-up: ${failed.length} resource(s) could not be removed (${failed.map((r) => `${r.kind} ${r.name}: ${r.error}`).join("; ")}). ` +
        `Run this cell again; they stay recorded until they are gone.`,
    );
  }
  return results;
}
