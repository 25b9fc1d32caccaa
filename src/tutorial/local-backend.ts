/**
 * The local backend's connection: the embedded local SageMaker on 127.0.0.1,
 * started on demand by its launcher (src/local/launcher.ts).
 */
import { ensureLocalServer } from "../local/launcher";

export interface LocalServerInfo {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export async function connectLocalServer(): Promise<LocalServerInfo> {
  const server = await ensureLocalServer();
  return {
    endpoint: server.endpoint,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
  };
}
