/**
 * AWS's query protocol (STS, IAM): `Action=...&Version=...` form parameters
 * in a POST body (or the URL), answered with `<ActionResponse><ActionResult>`.
 */
import { AwsError } from "./errors";
import type { ServiceRequest, ServiceResponse } from "./types";
import { xmlDocument, xmlElement } from "./xml";

export function queryParams(req: Pick<ServiceRequest, "method" | "query" | "headers" | "body">): URLSearchParams {
  const params = new URLSearchParams(req.query);
  const type = req.headers["content-type"] ?? "";
  if (req.method === "POST" && req.body.length > 0) {
    if (!type.startsWith("application/x-www-form-urlencoded")) {
      throw new AwsError("InvalidParameterValue", `Query-protocol requests must be application/x-www-form-urlencoded (got "${type.slice(0, 60)}").`, 400);
    }
    for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) params.append(k, v);
  }
  return params;
}

/** The request's Action, checked against the ones the service implements. */
export function queryAction(params: URLSearchParams, service: string, version: string, actions: string[]): string {
  const action = params.get("Action");
  if (!action) throw new AwsError("MissingAction", `The request must contain the parameter Action (one of ${actions.join(", ")}).`, 400);
  if (params.get("Version") !== null && params.get("Version") !== version) {
    throw new AwsError("InvalidAction", `Could not find operation ${action} for version ${params.get("Version")} (the local ${service} speaks ${version}).`, 400);
  }
  if (!actions.includes(action)) {
    throw new AwsError("InvalidAction", `Could not find operation ${action} for version ${version}; the local ${service} implements ${actions.join(", ")}.`, 400);
  }
  return action;
}

export function queryResponse(action: string, namespace: string, resultXml: string, requestId: string): ServiceResponse {
  const inner = xmlElement(`${action}Result`, resultXml, true) + xmlElement("ResponseMetadata", xmlElement("RequestId", requestId), true);
  return { status: 200, headers: { "content-type": "text/xml" }, body: xmlDocument(`${action}Response`, inner, namespace) };
}

export function isQueryRequest(req: Pick<ServiceRequest, "method" | "path">): boolean {
  return req.path === "/" && (req.method === "POST" || req.method === "GET");
}
