/**
 * Errors the algorithm reports as a job's FailureReason. The real built-in
 * algorithms prefix errors caused by the caller's input with `ClientError:`
 * (and their own bugs with `AlgorithmError:`); tools and users grep for these.
 */

/** The caller's input (hyperparameters, data, model channel) is wrong; the message says what to change. */
export class ClientError extends Error {
  constructor(reason: string) {
    super(`ClientError: ${reason}`);
    this.name = "ClientError";
  }
}

/** A bad hyperparameter: `field` names it (or is "" when the problem is not one field). */
export class HyperparameterError extends ClientError {
  readonly field: string;
  constructor(field: string, reason: string) {
    super(reason);
    this.name = "HyperparameterError";
    this.field = field;
  }
}
