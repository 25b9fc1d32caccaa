/**
 * Set-up (the tutorial's first cell): backend, region, clients, execution
 * role, default bucket and the algorithm image. Every later helper takes the
 * session this returns; the clean-up cell finds all sessions of the kernel
 * through `activeSessions()`.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  checkRegion,
  createClients,
  parseBackend,
  quietSdkNodeVersionWarning,
  type Backend,
  type BackendConfig,
  type TutorialClients,
} from "./clients";
import { getExecutionRole } from "./role";
import { checkBucketName, defaultBucketName, ensureBucket } from "./s3";
import { imageClassificationImageUri } from "./image-uri";
import { ResourceTracker } from "./resources";
import { startGuard } from "./guard";
import { connectLocalServer, type LocalServerInfo } from "./local-backend";

export interface TutorialSession {
  backend: Backend;
  region: string;
  account: string;
  /** The execution role ARN SageMaker assumes for jobs and models. */
  role: string;
  bucket: string;
  /** The built-in algorithm's image for this region (training and hosting). */
  trainingImage: string;
  config: BackendConfig;
  clients: TutorialClients;
  /** What this session created, for the clean-up cell and the guard. */
  tracker: ResourceTracker;
  /** Seconds between two looks at a job or endpoint. */
  pollSeconds: number;
}

export interface SetupOptions {
  /** "aws" or "local". */
  backend: string;
  /** "" or undefined: the SDK's configured region on AWS, the local server's region locally. */
  region?: string;
  /** "" or undefined: sagemaker-<region>-<account>, created when missing. */
  bucket?: string;
  /** "" or undefined: the caller's role, as get_execution_role() finds it. */
  role?: string;
  /** Overrides the algorithm image (a region this project does not know, a private copy). */
  trainingImage?: string;
  /** Overrides how the local server is found or started (tests). */
  connectLocal?: () => Promise<LocalServerInfo>;
  /** Where the resource state files go (tests). */
  stateDir?: string;
  /** Whether to start the guard process with the first created resource (default true). */
  guard?: boolean;
}

const sessions: TutorialSession[] = [];

/** The sessions set up in this process, oldest first. */
export function activeSessions(): readonly TutorialSession[] {
  return sessions;
}

async function awsRegion(explicit: string | undefined): Promise<string> {
  if (explicit) return checkRegion(explicit);
  // The SDK's own resolution: AWS_REGION, then the shared config's profile.
  quietSdkNodeVersionWarning();
  const probe = new STSClient({});
  try {
    return checkRegion(await probe.config.region());
  } catch (e) {
    // boto3 (and so the Python tutorial) also reads AWS_DEFAULT_REGION; the JS SDK does not.
    const fallback = process.env.AWS_DEFAULT_REGION;
    if (fallback) return checkRegion(fallback);
    throw new Error(
      `region: none is configured (${(e as Error).message}). Set region = "us-west-2" (or your region) in the parameters cell, ` +
        `or AWS_REGION in the environment.`,
    );
  } finally {
    probe.destroy();
  }
}

async function backendConfig(backend: Backend, options: SetupOptions): Promise<BackendConfig> {
  if (backend === "aws") return { backend, region: await awsRegion(options.region) };
  const server = await (options.connectLocal ?? connectLocalServer)();
  if (options.region && options.region !== server.region) {
    throw new Error(
      `region: the local server serves region "${server.region}", not "${options.region}". ` +
        `Leave region = "" for the local backend, or start the server with that region.`,
    );
  }
  return {
    backend,
    region: server.region,
    endpoint: server.endpoint,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  };
}

/** The tutorial's set-up: who we are, where the data goes, which image trains. */
export async function setup(options: SetupOptions): Promise<TutorialSession> {
  const backend = parseBackend(options.backend);
  const config = await backendConfig(backend, options);
  const clients = createClients(config);
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const account = identity.Account;
  if (!account) throw new Error("STS GetCallerIdentity returned no account; check the credentials.");
  const role = await getExecutionRole(clients, { roleArn: options.role || undefined });
  const bucket = options.bucket ? checkBucketName(options.bucket) : defaultBucketName(config.region, account);
  if (await ensureBucket(clients.s3, bucket, config.region)) console.log(`Created bucket ${bucket}`);
  const trainingImage = options.trainingImage || imageClassificationImageUri(config.region);
  const tracker = ResourceTracker.create({ backend, region: config.region, endpoint: config.endpoint }, options.stateDir);
  if (options.guard ?? true) tracker.onRecord(() => startGuard(tracker, config));
  const session: TutorialSession = {
    backend,
    region: config.region,
    account,
    role,
    bucket,
    trainingImage,
    config,
    clients,
    tracker,
    pollSeconds: backend === "local" ? 1 : 15,
  };
  sessions.push(session);
  return session;
}
