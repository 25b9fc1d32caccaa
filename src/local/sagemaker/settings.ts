/**
 * Timing knobs of the local SageMaker, from environment variables read when
 * the server starts (defaults are AWS's own values where AWS has one).
 */

export interface Settings {
  /** SIGTERM → SIGKILL window for StopTrainingJob, StopTransformJob, MaxRuntimeInSeconds and DeleteEndpoint (AWS: 120 s). */
  stopGraceMs: number;
  /** SIGTERM → SIGKILL window when the server itself shuts down. */
  shutdownGraceMs: number;
  /** How long a serving container may take to answer its first /ping (a variant's ContainerStartupHealthCheckTimeoutInSeconds wins). */
  healthTimeoutMs: number;
  /** How long InvokeEndpoint and batch transform wait for /invocations (AWS: 60 s). */
  invocationTimeoutMs: number;
}

const VARIABLES = {
  stopGraceMs: ["LOCAL_SAGEMAKER_STOP_GRACE_SECONDS", 120],
  shutdownGraceMs: ["LOCAL_SAGEMAKER_SHUTDOWN_GRACE_SECONDS", 5],
  healthTimeoutMs: ["LOCAL_SAGEMAKER_HEALTH_TIMEOUT_SECONDS", 300],
  invocationTimeoutMs: ["LOCAL_SAGEMAKER_INVOCATION_TIMEOUT_SECONDS", 60],
} as const;

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const settings = {} as Settings;
  for (const [key, [name, fallback]] of Object.entries(VARIABLES) as [keyof Settings, readonly [string, number]][]) {
    const raw = env[name];
    const seconds = raw === undefined || raw === "" ? fallback : Number(raw);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new Error(`${name}=${JSON.stringify(raw)} is not a number of seconds; set it to e.g. ${fallback} or unset it.`);
    }
    settings[key] = seconds * 1000;
  }
  return settings;
}
