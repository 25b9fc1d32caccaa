/**
 * The SDK clients the reliability checks use against a local server. Retries
 * are off: a check must see every error the server answers, not the last try.
 */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { captureSignatures } from "./secrets";

export interface ServerAddress {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Clients {
  s3: S3Client;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  logs: CloudWatchLogsClient;
}

export function clientsFor(server: ServerAddress): Clients {
  // Each client gets its own credentials object: the SDK writes into the one it is given.
  const config = () => ({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    maxAttempts: 1,
  });
  const clients: Clients = {
    s3: new S3Client({ ...config(), forcePathStyle: true }),
    sagemaker: new SageMakerClient(config()),
    runtime: new SageMakerRuntimeClient(config()),
    logs: new CloudWatchLogsClient(config()),
  };
  for (const client of Object.values(clients)) captureSignatures(client);
  return clients;
}

export function destroyClients(clients: Clients): void {
  for (const client of Object.values(clients)) client.destroy();
}

/** What an SDK call failed with, in the terms the checks compare. */
export interface CallFailure {
  status: number | undefined;
  type: string;
  message: string;
}

export function failureOf(err: unknown): CallFailure {
  const e = err as Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
  return { status: e.$metadata?.httpStatusCode, type: e.name, message: e.message };
}
