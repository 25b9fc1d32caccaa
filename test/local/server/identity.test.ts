import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { GetRoleCommand, IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { EXECUTION_ROLE } from "../../../src/local/config";
import { failureOf, startTestServer, type TestServer } from "../../helpers/local-server";

describe("STS GetCallerIdentity and IAM GetRole", () => {
  let srv: TestServer;
  let sts: STSClient;
  let iam: IAMClient;
  beforeAll(async () => {
    srv = await startTestServer();
    sts = new STSClient(srv.clientConfig);
    iam = new IAMClient(srv.clientConfig);
  });
  afterAll(async () => {
    sts?.destroy();
    iam?.destroy();
    await srv?.stop();
  });

  it("identifies the local credentials as an assumed SageMaker execution role", async () => {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe("000000000000");
    expect(id.Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${EXECUTION_ROLE.name}/${EXECUTION_ROLE.sessionName}`);
    expect(id.UserId).toMatch(/^AROA[A-Z2-7]{17}:SageMaker$/);
  });

  it("turns the assumed-role ARN into the role's ARN with its path, as get_execution_role does", async () => {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    const roleName = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\/.+$/.exec(Arn!)![1];
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    expect(Role?.Arn).toBe(`arn:aws:iam::000000000000:role/service-role/${EXECUTION_ROLE.name}`);
    expect(Role?.Path).toBe("/service-role/");
    expect(Role?.RoleId).toBe((await sts.send(new GetCallerIdentityCommand({}))).UserId!.split(":")[0]);
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!)).Statement[0].Principal.Service).toBe("sagemaker.amazonaws.com");
  });

  it("answers NoSuchEntity (404) for another role and ValidationError for a bad name", async () => {
    const missing = await failureOf(iam.send(new GetRoleCommand({ RoleName: "SomeOtherRole" })));
    // IAM answers Code NoSuchEntity; the SDK names its exception class NoSuchEntityException.
    expect(missing.name).toBe("NoSuchEntityException");
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.message).toContain(EXECUTION_ROLE.name);
    const bad = await failureOf(iam.send(new GetRoleCommand({ RoleName: "no spaces allowed" })));
    expect(bad.name).toBe("ValidationError");
  });

  it("answers InvalidAction for IAM operations it does not implement, naming those it does", async () => {
    const err = await failureOf(iam.send(new ListRolesCommand({})));
    expect(err.name).toBe("InvalidAction");
    expect(err.message).toContain("GetRole");
  });
});

describe("identity outside us-east-1", () => {
  it("accepts IAM and STS signed for us-east-1 (their global endpoints) or the server's region", async () => {
    const srv = await startTestServer({ region: "eu-west-1" });
    try {
      const iamGlobal = new IAMClient({ ...srv.clientConfig, region: "us-east-1" });
      expect((await iamGlobal.send(new GetRoleCommand({ RoleName: EXECUTION_ROLE.name }))).Role?.RoleName).toBe(EXECUTION_ROLE.name);
      const stsRegional = new STSClient(srv.clientConfig);
      expect((await stsRegional.send(new GetCallerIdentityCommand({}))).Account).toBe("000000000000");
      iamGlobal.destroy();
      stsRegional.destroy();
    } finally {
      await srv.stop();
    }
  });
});
