/**
 * One factory for every SDK client the tutorial uses. The two backends differ
 * only here: AWS uses the SDK's default credential chain and endpoints; the
 * local SageMaker gets its endpoint, its static credentials and path-style S3.
 */
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { S3Client } from "@aws-sdk/client-s3";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { STSClient } from "@aws-sdk/client-sts";
import { IAMClient } from "@aws-sdk/client-iam";

export type Backend = "aws" | "local";
export const BACKENDS: readonly Backend[] = ["aws", "local"];

export function parseBackend(value: string): Backend {
  if ((BACKENDS as readonly string[]).includes(value)) return value as Backend;
  throw new Error(
    `backend: "${value}" is not a backend. Use "aws" (your AWS account, default credentials) ` +
      `or "local" (the embedded local SageMaker on 127.0.0.1).`,
  );
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Everything that differs between the backends. */
export interface BackendConfig {
  backend: Backend;
  region: string;
  /** The local server's base URL (`http://127.0.0.1:<port>`); absent on AWS. */
  endpoint?: string;
  /** Explicit credentials; absent on AWS means the default credential chain. */
  credentials?: StaticCredentials;
}

export interface TutorialClients {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
  sts: STSClient;
  iam: IAMClient;
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function checkRegion(region: string): string {
  if (!REGION_PATTERN.test(region)) {
    throw new Error(`region: "${region}" is not an AWS region name such as "us-west-2" or "eu-central-1".`);
  }
  return region;
}

export function checkBackendConfig(config: BackendConfig): BackendConfig {
  parseBackend(config.backend);
  checkRegion(config.region);
  if (config.backend === "local") {
    if (!config.endpoint) throw new Error("endpoint: the local backend needs the local server's URL (http://127.0.0.1:<port>).");
    const url = new URL(config.endpoint);
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost" && url.hostname !== "[::1]") {
      throw new Error(`endpoint: the local backend only talks to loopback addresses, not "${url.hostname}".`);
    }
    if (!config.credentials) {
      throw new Error("credentials: the local backend needs the local server's access key and secret key.");
    }
  }
  return config;
}

/** Options every client shares for `config`. */
export function sharedClientOptions(config: BackendConfig): {
  region: string;
  endpoint?: string;
  credentials?: StaticCredentials;
} {
  checkBackendConfig(config);
  if (config.backend === "aws") return { region: config.region };
  // The SDK's default chain ends at the EC2 metadata service; the local
  // backend must never reach it, even by accident in another client.
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  return { region: config.region, endpoint: config.endpoint, credentials: config.credentials };
}

/**
 * On Node 20 the SDK warns, when the first client is made, that its releases
 * after January 2027 need Node 22. This project pins its SDK version, so in
 * the notebook's output the warning is only noise. Call before making clients.
 */
export function quietSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

export function createClients(config: BackendConfig): TutorialClients {
  const shared = sharedClientOptions(config);
  quietSdkNodeVersionWarning();
  return {
    sagemaker: new SageMakerClient(shared),
    runtime: new SageMakerRuntimeClient(shared),
    // Path-style: a bucket name cannot be a subdomain of 127.0.0.1.
    s3: new S3Client(config.backend === "local" ? { ...shared, forcePathStyle: true } : shared),
    logs: new CloudWatchLogsClient(shared),
    sts: new STSClient(shared),
    iam: new IAMClient(shared),
  };
}

/** Closes the clients' sockets so a script can exit. */
export function destroyClients(clients: TutorialClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
