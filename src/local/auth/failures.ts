/**
 * Why a request's authentication was refused, independent of wire protocol,
 * and how each protocol's AWS service words that refusal.
 */
import { AwsError, type Protocol } from "../http/errors";

export type AuthFailureKind =
  | "missing"
  | "unsupported"
  | "malformed"
  | "unknownKey"
  | "badSignature"
  | "wrongRegion"
  | "skewed"
  | "expired"
  | "notYetValid";

export class AuthFailure extends Error {
  constructor(
    readonly kind: AuthFailureKind,
    /** What exactly was wrong, for the client to fix it (never a secret). */
    readonly detail: string,
    readonly fields: Record<string, string | number> = {},
  ) {
    super(detail);
    this.name = "AuthFailure";
  }
}

/** Largest clock difference accepted between X-Amz-Date and the server's clock, as on AWS. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

const SIG_MISMATCH_S3 = "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
const SIG_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN = "The security token included in the request is invalid.";

export function authError(protocol: Protocol, f: AuthFailure, presigned: boolean): AwsError {
  const json = protocol === "json";
  const s3 = protocol === "s3";
  switch (f.kind) {
    case "missing":
      if (s3) return new AwsError("AccessDenied", "Access Denied", 403);
      return json
        ? new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        : new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
    case "unsupported":
      if (s3) return new AwsError("InvalidRequest", `The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256. (${f.detail})`, 400);
      return new AwsError(json ? "IncompleteSignatureException" : "IncompleteSignature", f.detail, 400);
    case "malformed":
      if (s3) return new AwsError(presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed", f.detail, 400, f.fields);
      return new AwsError(json ? "IncompleteSignatureException" : "IncompleteSignature", f.detail, 400);
    case "unknownKey":
      if (s3) return new AwsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403, f.fields);
      return new AwsError(json ? "UnrecognizedClientException" : "InvalidClientTokenId", INVALID_TOKEN, 403);
    case "badSignature":
      if (s3) return new AwsError("SignatureDoesNotMatch", `${SIG_MISMATCH_S3}${f.detail ? ` (${f.detail})` : ""}`, 403, f.fields);
      return new AwsError(json ? "InvalidSignatureException" : "SignatureDoesNotMatch", `${SIG_MISMATCH}${f.detail ? ` (${f.detail})` : ""}`, 403);
    case "wrongRegion":
      if (s3) return new AwsError("AuthorizationHeaderMalformed", f.detail, 400, f.fields);
      return new AwsError(json ? "InvalidSignatureException" : "SignatureDoesNotMatch", `Credential should be scoped to a valid region. ${f.detail}`, 403);
    case "skewed":
      if (s3) return new AwsError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403, f.fields);
      return new AwsError(json ? "InvalidSignatureException" : "SignatureDoesNotMatch", f.detail, 403);
    case "expired":
      if (s3) return new AwsError("AccessDenied", "Request has expired", 403, f.fields);
      return new AwsError(json ? "InvalidSignatureException" : "SignatureDoesNotMatch", f.detail, 403);
    case "notYetValid":
      if (s3) return new AwsError("AccessDenied", "Request is not valid yet", 403, f.fields);
      return new AwsError(json ? "InvalidSignatureException" : "SignatureDoesNotMatch", f.detail, 403);
  }
}
