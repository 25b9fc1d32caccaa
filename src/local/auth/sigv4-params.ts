/**
 * Reads the SigV4 parameters of a request, from its Authorization header or
 * from a presigned URL's `X-Amz-*` query, and checks their shape.
 */
import { AuthFailure } from "./failures";

export interface SigV4Params {
  presigned: boolean;
  accessKeyId: string;
  /** YYYYMMDD from the credential scope. */
  scopeDate: string;
  region: string;
  /** The signing name: "s3", "sagemaker", "logs", "sts", "iam". */
  service: string;
  signedHeaders: string[];
  signature: string;
  /** YYYYMMDDTHHMMSSZ */
  amzDate: string;
  /** Presigned URLs only. */
  expiresSeconds?: number;
}

export const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * `undefined` when the request carries no authentication at all; throws
 * `AuthFailure` when it carries some that is not usable SigV4.
 */
export function readSigV4Params(headers: Record<string, string>, query: Array<[string, string]>): SigV4Params | undefined {
  const auth = headers["authorization"];
  const q = new Map(query.map(([k, v]) => [k.toLowerCase(), v]));
  if (auth !== undefined) {
    if (q.has("x-amz-signature")) throw new AuthFailure("malformed", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.");
    return fromHeader(auth, headers);
  }
  if (q.has("x-amz-algorithm") || q.has("x-amz-signature") || q.has("x-amz-credential")) return fromQuery(q);
  if (q.has("awsaccesskeyid") || q.has("signature")) throw new AuthFailure("unsupported", "query string authentication version 2 is not supported");
  return undefined;
}

function fromHeader(auth: string, headers: Record<string, string>): SigV4Params {
  const space = auth.indexOf(" ");
  const algorithm = space < 0 ? auth : auth.slice(0, space);
  if (algorithm !== "AWS4-HMAC-SHA256") {
    throw new AuthFailure("unsupported", `Authorization uses "${algorithm.slice(0, 40)}"; sign requests with AWS4-HMAC-SHA256 (SigV4)`);
  }
  const fields = new Map<string, string>();
  for (const part of auth.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  const missing = [!credential && "Credential", !signedHeaders && "SignedHeaders", !signature && "Signature"].filter(Boolean);
  if (missing.length > 0) {
    throw new AuthFailure("malformed", `The authorization header is malformed; it lacks ${missing.join(", ")}.`);
  }
  const amzDate = headers["x-amz-date"];
  if (amzDate === undefined) {
    throw new AuthFailure("malformed", "The authorization header is malformed; sign with an X-Amz-Date header (the local server does not accept the Date header for SigV4).");
  }
  return {
    presigned: false,
    ...parseCredential(credential!, "authorization header"),
    signedHeaders: parseSignedHeaders(signedHeaders!),
    signature: parseSignature(signature!),
    amzDate: checkDate(amzDate, "X-Amz-Date header"),
  };
}

function fromQuery(q: Map<string, string>): SigV4Params {
  const get = (name: string) => q.get(name.toLowerCase());
  const algorithm = get("X-Amz-Algorithm");
  if (algorithm !== "AWS4-HMAC-SHA256") {
    throw new AuthFailure("malformed", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"${algorithm ? ` (got "${algorithm.slice(0, 40)}")` : ""}.`);
  }
  const missing = ["X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Expires"].filter((n) => get(n) === undefined);
  if (missing.length > 0) {
    throw new AuthFailure("malformed", `Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; missing ${missing.join(", ")}.`);
  }
  const expiresRaw = get("X-Amz-Expires")!;
  if (!/^\d+$/.test(expiresRaw)) throw new AuthFailure("malformed", "X-Amz-Expires should be a number");
  const expiresSeconds = Number(expiresRaw);
  if (expiresSeconds > MAX_PRESIGNED_SECONDS) {
    throw new AuthFailure("malformed", `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGNED_SECONDS} seconds`);
  }
  return {
    presigned: true,
    ...parseCredential(get("X-Amz-Credential")!, "X-Amz-Credential"),
    signedHeaders: parseSignedHeaders(get("X-Amz-SignedHeaders")!),
    signature: parseSignature(get("X-Amz-Signature")!),
    amzDate: checkDate(get("X-Amz-Date")!, "X-Amz-Date parameter"),
    expiresSeconds,
  };
}

function parseCredential(credential: string, where: string) {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "") || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1])) {
    throw new AuthFailure(
      "malformed",
      `The ${where} is malformed; the Credential "${credential.split("/").slice(1).join("/")}" must be <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request.`,
    );
  }
  return { accessKeyId: parts[0], scopeDate: parts[1], region: parts[2], service: parts[3] };
}

function parseSignedHeaders(list: string): string[] {
  const names = list.split(";");
  if (names.some((n) => n === "" || n !== n.toLowerCase().trim())) {
    throw new AuthFailure("malformed", `SignedHeaders "${list}" must be lower-case header names separated by ";".`);
  }
  return names;
}

function parseSignature(sig: string): string {
  if (!/^[0-9a-f]{64}$/.test(sig)) throw new AuthFailure("malformed", "Signature must be 64 lower-case hexadecimal characters.");
  return sig;
}

function checkDate(value: string, where: string): string {
  if (!parseAmzDate(value)) throw new AuthFailure("malformed", `The ${where} "${value.slice(0, 40)}" is not an ISO 8601 basic date like 20240131T235959Z.`);
  return value;
}
