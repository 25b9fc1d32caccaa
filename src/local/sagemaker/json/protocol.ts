/**
 * The awsJson1_1 wire protocol (SageMaker, CloudWatch Logs): `POST /` with
 * `X-Amz-Target: <Prefix>.<Operation>` and a JSON body; answers are JSON,
 * errors carry their type in `__type` and `x-amzn-ErrorType`.
 */
import type { Service, ServiceRequest, ServiceResponse } from "../../http/types";
import { ApiError } from "./errors";
import type { ServiceTables } from "./shapes";
import { formatViolations, validateShape } from "./validate";

const CONTENT_TYPE = "application/x-amz-json-1.1";

/** An operation handler gets the validated input and returns the output object. */
export type OperationHandler = (input: any, req: ServiceRequest) => Promise<object>;

export interface JsonServiceOptions {
  signingName: string;
  /** `X-Amz-Target` prefix without the dot, e.g. "SageMaker" or "Logs_20140328". */
  targetPrefix: string;
  tables: ServiceTables;
  operations: Record<string, OperationHandler>;
  /** Error code for constraint violations: "ValidationException" (SageMaker), "InvalidParameterException" (Logs). */
  validationErrorCode: string;
  /** Called before every operation, e.g. to finish loading state after a restart. */
  beforeOperation?: () => Promise<void>;
  onInternalError?: (err: unknown, op: string) => void;
  start?: () => Promise<void>;
  close?: () => Promise<void>;
}

export function jsonResponse(requestId: string, body: object, status = 200): ServiceResponse {
  return {
    status,
    headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": requestId },
    body: JSON.stringify(body),
  };
}

export function errorResponse(requestId: string, err: ApiError): ServiceResponse {
  return {
    status: err.status,
    headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": requestId, "x-amzn-errortype": err.code },
    body: JSON.stringify({ __type: err.code, [err.messageKey]: err.message }),
  };
}

/** Epoch milliseconds as the epoch seconds awsJson timestamps are. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new ApiError("SerializationException", `The request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function createJsonService(opts: JsonServiceOptions): Service {
  const prefix = `${opts.targetPrefix}.`;
  return {
    signingName: opts.signingName,
    maxBodyBytes: 16 * 1024 * 1024,
    matches: (req) => req.method === "POST" && req.path === "/" && (req.headers["x-amz-target"] ?? "").startsWith(prefix),
    async handle(req) {
      const op = (req.headers["x-amz-target"] ?? "").slice(prefix.length);
      try {
        const handler = Object.prototype.hasOwnProperty.call(opts.operations, op) ? opts.operations[op] : undefined;
        if (!handler) {
          throw new ApiError(
            "UnknownOperationException",
            `The operation ${op || "(empty)"} is not supported by this local ${opts.targetPrefix} service. Supported: ${Object.keys(opts.operations).join(", ")}.`,
          );
        }
        const input = parseBody(req.body);
        const { violations, typeErrors } = validateShape(opts.tables.shapes, opts.tables.operations[op], input);
        if (typeErrors.length > 0) throw new ApiError("SerializationException", typeErrors.join(" "));
        if (violations.length > 0) throw new ApiError(opts.validationErrorCode, formatViolations(violations));
        await opts.beforeOperation?.();
        return jsonResponse(req.requestId, await handler(input, req));
      } catch (err) {
        if (err instanceof ApiError) return errorResponse(req.requestId, err);
        opts.onInternalError?.(err, op);
        return errorResponse(req.requestId, new ApiError("InternalFailure", `The local ${opts.targetPrefix} service failed: ${(err as Error).message ?? String(err)}`, 500));
      }
    },
    start: opts.start,
    close: opts.close,
  };
}
