/**
 * "Nothing secret in logs": the signatures the checks sent are remembered,
 * and afterwards every file a server wrote (its logs, job logs, state,
 * process output; not the objects users stored, nor credentials.json, whose
 * job is to hold the secret) is searched for the secret key, for any of those
 * signatures and for Authorization header values.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DeserializeMiddleware } from "@smithy/types";

const signatures = new Set<string>();

export function recordSignature(signature: string): void {
  signatures.add(signature.toLowerCase());
}

/** What every SDK v3 client has: the middleware stack. */
interface WithMiddleware {
  middlewareStack: { add(middleware: DeserializeMiddleware<object, object>, options: { step: "deserialize"; name: string }): void };
}

/** Remembers the signature of every request `client` sends. */
export function captureSignatures(client: WithMiddleware): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      // The deserialize step sees the request after it was signed.
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      const signature = /Signature=([0-9a-f]{64})/i.exec(headers.authorization ?? headers.Authorization ?? "")?.[1];
      if (signature) recordSignature(signature);
      return next(args);
    },
    { step: "deserialize", name: "reliabilityCaptureSignature" },
  );
}

export interface SecretScan {
  filesScanned: number;
  bytesScanned: number;
  signaturesKnown: number;
  /** "file: what was found"; empty when nothing secret was found. */
  findings: string[];
}

/** Data-directory paths that hold user data or the credentials themselves, not logs. */
const NOT_LOGS = [/^s3\//, /^credentials\.json$/];

function filesUnder(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, base));
    else if (entry.isFile() && !NOT_LOGS.some((re) => re.test(path.relative(base, full)))) out.push(full);
  }
  return out;
}

/** Searches `dirs` (server data directories, tutorial state folders) for `secretKeys` and the recorded signatures. */
export function scanForSecrets(dirs: string[], secretKeys: string[]): SecretScan {
  const scan: SecretScan = { filesScanned: 0, bytesScanned: 0, signaturesKnown: signatures.size, findings: [] };
  for (const dir of dirs) {
    for (const file of filesUnder(dir)) {
      const text = fs.readFileSync(file).toString("latin1");
      scan.filesScanned++;
      scan.bytesScanned += text.length;
      for (const secret of secretKeys) if (text.includes(secret)) scan.findings.push(`${file}: the secret access key`);
      if (/AWS4-HMAC-SHA256 Credential=/.test(text)) scan.findings.push(`${file}: an Authorization header`);
      if (/X-Amz-Signature=[0-9a-f]{64}/i.test(text)) scan.findings.push(`${file}: a presigned URL's signature`);
      for (const hex of text.match(/[0-9a-f]{64}/gi) ?? []) {
        if (signatures.has(hex.toLowerCase())) {
          scan.findings.push(`${file}: the request signature ${hex.slice(0, 12)}...`);
          break;
        }
      }
    }
  }
  return scan;
}
