/**
 * STS GetCallerIdentity for the local credentials: they act as an assumed
 * role, like a SageMaker notebook instance's session, so the tutorial's
 * execution-role lookup runs the same code against AWS and the local server.
 */
import { EXECUTION_ROLE } from "../config";
import { isQueryRequest, queryAction, queryParams, queryResponse } from "../http/query-protocol";
import type { ServerContext, Service, ServiceFactory } from "../http/types";
import { xmlElements } from "../http/xml";
import { roleId } from "../iam/service";

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

export function callerArn(accountId: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${EXECUTION_ROLE.name}/${EXECUTION_ROLE.sessionName}`;
}

export const stsService: ServiceFactory = (ctx: ServerContext): Service => ({
  signingName: "sts",
  maxBodyBytes: 64 * 1024,
  matches: isQueryRequest,
  async handle(req) {
    const params = queryParams(req);
    const action = queryAction(params, "STS", "2011-06-15", ["GetCallerIdentity"]);
    const result = xmlElements([
      ["Arn", callerArn(ctx.accountId)],
      ["UserId", `${roleId(ctx.accountId)}:${EXECUTION_ROLE.sessionName}`],
      ["Account", ctx.accountId],
    ]);
    return queryResponse(action, NAMESPACE, result, req.requestId);
  },
});
