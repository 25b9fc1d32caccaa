/**
 * AWS errors as each wire protocol writes them. A handler throws `AwsError`;
 * the server renders it in the protocol of the service the request was for:
 * S3's XML `<Error>`, the query protocol's `<ErrorResponse>` (STS, IAM) or the
 * JSON protocols' `__type` (SageMaker, Logs, Runtime).
 */
import type { ServiceResponse } from "./types";
import { xmlDocument, xmlElement } from "./xml";

export type Protocol = "s3" | "query" | "json";

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra elements S3 adds to its error (BucketName, Key, ...); ignored by the JSON protocol. */
    readonly fields: Record<string, string | number> = {},
    /** Extra response headers, e.g. for 405 `Allow`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export function protocolOfSigningName(signingName: string): Protocol {
  if (signingName === "s3") return "s3";
  if (signingName === "sts" || signingName === "iam") return "query";
  return "json";
}

const QUERY_NAMESPACES: Record<string, string> = {
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
};

export function renderError(
  protocol: Protocol,
  err: AwsError,
  requestId: string,
  opts: { signingName?: string; head?: boolean } = {},
): ServiceResponse {
  const headers: Record<string, string> = { ...err.headers };
  if (opts.head) return { status: err.status, headers };
  switch (protocol) {
    case "s3": {
      const children = [
        xmlElement("Code", err.code),
        xmlElement("Message", err.message),
        ...Object.entries(err.fields).map(([k, v]) => xmlElement(k, String(v))),
        xmlElement("RequestId", requestId),
        xmlElement("HostId", requestId),
      ];
      headers["content-type"] = "application/xml";
      return { status: err.status, headers, body: xmlDocument("Error", children.join("")) };
    }
    case "query": {
      const ns = QUERY_NAMESPACES[opts.signingName ?? "sts"] ?? QUERY_NAMESPACES.sts;
      const inner =
        xmlElement(
          "Error",
          xmlElement("Type", err.status >= 500 ? "Receiver" : "Sender") + xmlElement("Code", err.code) + xmlElement("Message", err.message),
          true,
        ) + xmlElement("RequestId", requestId);
      headers["content-type"] = "text/xml";
      return { status: err.status, headers, body: xmlDocument("ErrorResponse", inner, ns) };
    }
    case "json": {
      headers["content-type"] = "application/x-amz-json-1.1";
      headers["x-amzn-errortype"] = err.code;
      return { status: err.status, headers, body: JSON.stringify({ __type: err.code, message: err.message }) };
    }
  }
}

/** An unexpected failure, as AWS reports one: no internals in the message, the request id to find them in the log. */
export function internalError(protocol: Protocol): AwsError {
  const code = protocol === "s3" ? "InternalError" : "InternalFailure";
  return new AwsError(code, "We encountered an internal error. Please try again. (Details are in the local server's logs/server.log under this request id.)", 500);
}
