/**
 * IAM GetRole for the one role the local credentials act as (see
 * `EXECUTION_ROLE`): enough for `get_execution_role`-style code to turn the
 * caller's assumed-role ARN into the role's ARN with its path.
 */
import * as crypto from "node:crypto";
import { EXECUTION_ROLE } from "../config";
import { AwsError } from "../http/errors";
import { isQueryRequest, queryAction, queryParams, queryResponse } from "../http/query-protocol";
import type { ServerContext, Service, ServiceFactory } from "../http/types";
import { xmlElement, xmlElements } from "../http/xml";

const NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
/** Fixed, so the role looks the same on every start. */
const ROLE_CREATED = "2024-01-01T00:00:00Z";

export function roleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role${EXECUTION_ROLE.path}${EXECUTION_ROLE.name}`;
}

/** An IAM role id ("AROA" + 17 characters), stable for an account. */
export function roleId(accountId: string): string {
  const digest = crypto.createHash("sha256").update(`${accountId}:${EXECUTION_ROLE.name}`).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let id = "AROA";
  for (let i = 0; i < 17; i++) id += alphabet[digest[i] % 32];
  return id;
}

const TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export const iamService: ServiceFactory = (ctx: ServerContext): Service => ({
  signingName: "iam",
  maxBodyBytes: 64 * 1024,
  matches: isQueryRequest,
  async handle(req) {
    const params = queryParams(req);
    const action = queryAction(params, "IAM", "2010-05-08", ["GetRole"]);
    const name = params.get("RoleName");
    if (!name) throw new AwsError("ValidationError", "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null", 400);
    if (!/^[\w+=,.@-]{1,64}$/.test(name)) {
      throw new AwsError("ValidationError", `1 validation error detected: Value '${name.slice(0, 80)}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`, 400);
    }
    if (name !== EXECUTION_ROLE.name) {
      throw new AwsError("NoSuchEntity", `The role with name ${name} cannot be found. (The local server has one role: ${EXECUTION_ROLE.name}.)`, 404);
    }
    const role = xmlElements([
      ["Path", EXECUTION_ROLE.path],
      ["RoleName", EXECUTION_ROLE.name],
      ["RoleId", roleId(ctx.accountId)],
      ["Arn", roleArn(ctx.accountId)],
      ["CreateDate", ROLE_CREATED],
      ["AssumeRolePolicyDocument", encodeURIComponent(TRUST_POLICY)],
      ["Description", "Execution role of the local SageMaker (127.0.0.1)."],
      ["MaxSessionDuration", 3600],
    ]);
    return queryResponse(action, NAMESPACE, xmlElement("Role", role, true), req.requestId);
  },
});
