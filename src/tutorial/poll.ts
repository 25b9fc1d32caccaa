/**
 * Polling until a job or endpoint settles, with the progress line updated at
 * every look. The SDK's `waitUntil*` waiters decide the same way but show
 * nothing while they wait; this loop keeps their acceptors' meaning
 * (success, failure, keep waiting) and reports each state.
 */
import { formatDuration } from "./progress";

export type PollVerdict = "done" | "failed" | "wait";

export interface PollOptions<T> {
  /** What is being waited for, for the timeout message. */
  what: string;
  describe: () => Promise<T>;
  verdict: (state: T) => PollVerdict;
  /** Called with every state and the time waited so far. */
  onState: (state: T, elapsedMs: number) => void | Promise<void>;
  pollSeconds: number;
  maxWaitSeconds: number;
  /** What to tell the user when the time is up. */
  onTimeoutHint?: string;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the last state once the verdict is "done" or "failed". */
export async function pollUntilSettled<T>(options: PollOptions<T>): Promise<{ state: T; verdict: "done" | "failed" }> {
  if (!(options.pollSeconds > 0)) throw new Error(`pollSeconds: ${options.pollSeconds} must be a positive number of seconds.`);
  if (!(options.maxWaitSeconds > 0)) throw new Error(`maxWaitSeconds: ${options.maxWaitSeconds} must be a positive number of seconds.`);
  const start = Date.now();
  for (;;) {
    const state = await options.describe();
    const elapsed = Date.now() - start;
    await options.onState(state, elapsed);
    const verdict = options.verdict(state);
    if (verdict !== "wait") return { state, verdict };
    if (elapsed + options.pollSeconds * 1000 > options.maxWaitSeconds * 1000) {
      throw new Error(
        `${options.what}: still not finished after ${formatDuration(elapsed)} (maxWaitSeconds ${options.maxWaitSeconds}). ` +
          (options.onTimeoutHint ?? "Run the cell again to keep waiting."),
      );
    }
    await sleep(options.pollSeconds * 1000);
  }
}
