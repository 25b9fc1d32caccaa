/**
 * InvokeEndpoint as AWS answers it:
 *  - the body and Content-Type, Accept and X-Amzn-SageMaker-Custom-Attributes
 *    go to the container's /invocations; its body, Content-Type and custom
 *    attributes come back, with x-Amzn-Invoked-Production-Variant;
 *  - a missing or not-InService endpoint is a ValidationError
 *    (`Endpoint <name> of account <account> not found.`);
 *  - a 4xx/5xx from the model is a ModelError (HTTP 424) carrying
 *    OriginalStatusCode, OriginalMessage and LogStreamArn;
 *  - no answer within 60 s is a ModelError with OriginalStatusCode 0;
 *  - a body over 6 MB (6291456 bytes) is refused with HTTP 413.
 * Errors carry their type in `x-amzn-ErrorType` and a JSON body.
 */
import type { ServiceRequest, ServiceResponse } from "../http/types";
import { ContainerTimeoutError } from "../containers/container-http";
import type { Route } from "../sagemaker/jobs/endpoint-manager";
import { logGroupArn } from "../sagemaker/model/arns";
import { formatViolations } from "../sagemaker/json/validate";

export const MAX_PAYLOAD_BYTES = 6291456;

const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/** Request headers passed to the container, and response headers passed back. */
const CUSTOM_ATTRIBUTES = "x-amzn-sagemaker-custom-attributes";

export interface InvokeContext {
  route(name: string, targetVariant?: string): Route;
  region: string;
  accountId: string;
  timeoutMs: number;
}

export function runtimeError(requestId: string, status: number, type: string, message: string, extra: Record<string, unknown> = {}): ServiceResponse {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-requestid": requestId, "x-amzn-errortype": type },
    body: JSON.stringify({ ...extra, message, Message: message }),
  };
}

export function payloadTooLarge(req: Pick<ServiceRequest, "headers" | "requestId">): ServiceResponse {
  const length = req.headers["content-length"];
  return runtimeError(
    req.requestId,
    413,
    "ValidationError",
    `Request body${length ? ` of ${length} bytes` : ""} is larger than the ${MAX_PAYLOAD_BYTES}-byte (6 MB) limit of InvokeEndpoint. Send a smaller payload, or use a batch transform job for large inputs.`,
  );
}

/** The request's own constraints, checked as AWS's request validation does. */
function violations(name: string, headers: Record<string, string>): string[] {
  const found: string[] = [];
  const check = (value: string | undefined, path: string, max: number, min = 0): void => {
    if (value === undefined) return;
    if (value.length > max) found.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
    if (value.length < min) found.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
  };
  check(name, "endpointName", 63);
  if (!NAME_PATTERN.test(name)) {
    found.push(`Value '${name}' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*`);
  }
  check(headers["content-type"], "contentType", 1024);
  check(headers.accept, "accept", 1024);
  check(headers[CUSTOM_ATTRIBUTES], "customAttributes", 1024);
  check(headers["x-amzn-sagemaker-inference-id"], "inferenceId", 64, 1);
  check(headers["x-amzn-sagemaker-target-variant"], "targetVariant", 63);
  return found;
}

export async function invokeEndpoint(ctx: InvokeContext, name: string, req: ServiceRequest): Promise<ServiceResponse> {
  const fail = (status: number, type: string, message: string, extra?: Record<string, unknown>): ServiceResponse =>
    runtimeError(req.requestId, status, type, message, extra);
  const problems = violations(name, req.headers);
  if (problems.length > 0) return fail(400, "ValidationError", formatViolations(problems));
  for (const header of ["x-amzn-sagemaker-target-model", "x-amzn-sagemaker-inference-component"]) {
    if (req.headers[header] !== undefined) {
      return fail(400, "ValidationError", `The local SageMaker does not support the ${header} header: its endpoints serve one model per variant. Remove the header.`);
    }
  }

  const route = ctx.route(name, req.headers["x-amzn-sagemaker-target-variant"]);
  if (route.kind === "not-found") return fail(400, "ValidationError", `Endpoint ${name} of account ${ctx.accountId} not found.`);
  if (route.kind === "unknown-variant") {
    return fail(400, "ValidationError", `Variant ${req.headers["x-amzn-sagemaker-target-variant"]} not found on endpoint ${name}; its variants are ${route.variants.join(", ")}.`);
  }
  if (route.kind === "restarting") {
    return fail(503, "ServiceUnavailable", `The container of variant ${route.variant} of endpoint ${name} is restarting. Retry in a few seconds.`);
  }

  const headers: Record<string, string> = {};
  for (const h of ["content-type", "accept", CUSTOM_ATTRIBUTES]) if (req.headers[h] !== undefined) headers[h] = req.headers[h];
  const logStreamArn = logGroupArn(ctx, route.logGroup);
  const seeLogs = `See https://${ctx.region}.console.aws.amazon.com/cloudwatch/home?region=${ctx.region}#logEventViewer:group=${route.logGroup} in account ${ctx.accountId} for more information.`;
  const modelError = (status: number, original: string): ServiceResponse =>
    fail(424, "ModelError", `Received ${status >= 400 && status < 500 ? "client" : "server"} error (${status}) from primary with message "${original}". ${seeLogs}`, {
      ErrorCode: status >= 400 && status < 500 ? "CLIENT_ERROR_FROM_MODEL" : "SERVER_ERROR_FROM_MODEL",
      OriginalStatusCode: status,
      OriginalMessage: original,
      LogStreamArn: logStreamArn,
    });

  let res;
  try {
    res = await route.container.request({ method: "POST", path: "/invocations", headers, body: req.body, timeoutMs: ctx.timeoutMs });
  } catch (e) {
    if (e instanceof ContainerTimeoutError) {
      return modelError(0, "Your invocation timed out while waiting for a response from container primary. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again.");
    }
    return modelError(0, `The container primary could not be reached: ${(e as Error).message}`);
  }
  if (res.status < 200 || res.status > 299) return modelError(res.status, res.body.toString("utf8"));

  const out: Record<string, string> = {
    "content-type": typeof res.headers["content-type"] === "string" ? res.headers["content-type"] : "application/json",
    "x-amzn-invoked-production-variant": route.variant.variantName,
    "x-amzn-requestid": req.requestId,
  };
  const attributes = res.headers[CUSTOM_ATTRIBUTES];
  if (typeof attributes === "string") out[CUSTOM_ATTRIBUTES] = attributes;
  return { status: 200, headers: out, body: res.body };
}
