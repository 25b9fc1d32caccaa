/**
 * An answer as the checks compare it (HTTP status and error type and message,
 * or a job's end state and FailureReason) with the answer AWS gives.
 */
import { failureOf } from "./clients";
import { errorOf, type RawResponse } from "./raw-http";

/** What came back: an HTTP status and error type, or a job's end state and the type that starts its FailureReason. */
export interface Outcome {
  status: number | string | undefined;
  type: string;
  message: string;
}

export interface Expected {
  status: number | string;
  type: string;
  /** AWS's message where it is known (exact text or pattern); otherwise the words it must contain. */
  message?: string | RegExp;
}

/** The outcome of an SDK call that should fail; a success is reported as status 200, type "(accepted)". */
export async function sdkOutcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { status: 200, type: "(accepted)", message: "" };
  } catch (err) {
    return failureOf(err);
  }
}

export function rawOutcome(res: RawResponse): Outcome {
  return { status: res.status, ...errorOf(res) };
}

/**
 * AWS's message as the start of the answer: the local server keeps AWS's
 * words and may add what exactly was wrong (AWS's final period becomes the
 * start of that detail).
 */
export function awsMessage(text: string): RegExp {
  return new RegExp(`^${text.replace(/\.$/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
}

export function matches(expected: Expected, outcome: Outcome): boolean {
  if (outcome.status !== expected.status || outcome.type !== expected.type) return false;
  if (expected.message === undefined) return true;
  return typeof expected.message === "string" ? outcome.message === expected.message : expected.message.test(outcome.message);
}

export function describeExpected(e: Expected): string {
  const message = e.message === undefined ? "" : typeof e.message === "string" ? ` "${e.message}"` : ` ${String(e.message)}`;
  return `${e.status} ${e.type}${message}`;
}

export function describeOutcome(o: Outcome): string {
  return `${o.status ?? "(no status)"} ${o.type}${o.message ? ` "${o.message}"` : ""}`;
}
