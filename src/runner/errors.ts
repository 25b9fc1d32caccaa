/** Errors the runner reports to its user, each with the exit code the CLI uses. */

export const EXIT = {
  ok: 0,
  /** A cell failed, the kernel did not start, the notebook is invalid, or check mode found drift (papermill: 1). */
  failure: 1,
  /** Bad command line (click's usage error code). */
  usage: 2,
  /** The kernel died (papermill's DeadKernelError code). */
  deadKernel: 138,
  /** The runner was interrupted by SIGINT / SIGTERM (128 + signal number). */
  sigint: 130,
  sigterm: 143,
} as const;

export class RunnerError extends Error {
  override name = "RunnerError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

export class UsageError extends RunnerError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export class KernelStartError extends RunnerError {
  override name = "KernelStartError";
}

export class DeadKernelError extends RunnerError {
  override name = "DeadKernelError";
  constructor(message: string) {
    super(message, EXIT.deadKernel);
  }
}
