import { describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { IAMClient, GetRoleCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import {
  checkRoleArn,
  getExecutionRole,
  guessRoleArnWithoutGetRole,
  roleFromCallerArn,
} from "../../src/tutorial/role";

describe("roleFromCallerArn", () => {
  it("turns an assumed-role session into the role's ARN", () => {
    expect(roleFromCallerArn("arn:aws:sts::123456789012:assumed-role/MyRole/SageMaker")).toEqual({
      roleArn: "arn:aws:iam::123456789012:role/MyRole",
      roleName: "MyRole",
      partition: "aws",
      account: "123456789012",
      hasPath: false,
    });
  });

  it("keeps the session name out even when it contains slashes or at-signs", () => {
    expect(roleFromCallerArn("arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com").roleArn).toBe(
      "arn:aws:iam::123456789012:role/Admin",
    );
  });

  it("keeps an IAM role ARN with its path as it is", () => {
    const arn = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000";
    expect(roleFromCallerArn(arn)).toMatchObject({ roleArn: arn, roleName: "AmazonSageMaker-ExecutionRole-20240101T000000", hasPath: true });
  });

  it("keeps the partition: China and GovCloud", () => {
    expect(roleFromCallerArn("arn:aws-cn:sts::123456789012:assumed-role/R/s").roleArn).toBe("arn:aws-cn:iam::123456789012:role/R");
    expect(roleFromCallerArn("arn:aws-us-gov:sts::123456789012:assumed-role/R/s").roleArn).toBe(
      "arn:aws-us-gov:iam::123456789012:role/R",
    );
  });

  it("refuses a user, root or federated identity and says to pass a role ARN", () => {
    for (const arn of [
      "arn:aws:iam::123456789012:user/alice",
      "arn:aws:iam::123456789012:root",
      "arn:aws:sts::123456789012:federated-user/bob",
    ]) {
      expect(() => roleFromCallerArn(arn)).toThrow(/not a role.*Pass the ARN of a role/);
    }
    expect(() => roleFromCallerArn("arn:aws:iam::123456789012:user/alice")).toThrow(/IAM user/);
    expect(() => roleFromCallerArn("garbage")).toThrow(/cannot read a role from the identity ARN "garbage"/);
  });
});

describe("guessRoleArnWithoutGetRole", () => {
  it("puts SageMaker's console roles under service-role/ and leaves others alone", () => {
    expect(guessRoleArnWithoutGetRole(roleFromCallerArn("arn:aws:sts::123456789012:assumed-role/AmazonSageMaker-ExecutionRole-1/x"))).toBe(
      "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1",
    );
    expect(guessRoleArnWithoutGetRole(roleFromCallerArn("arn:aws:sts::123456789012:assumed-role/Mine/x"))).toBe(
      "arn:aws:iam::123456789012:role/Mine",
    );
  });
});

describe("checkRoleArn", () => {
  it("accepts role ARNs with and without a path and refuses anything else", () => {
    expect(checkRoleArn("arn:aws:iam::123456789012:role/R")).toBe("arn:aws:iam::123456789012:role/R");
    expect(checkRoleArn("arn:aws-cn:iam::123456789012:role/a/b/R")).toBe("arn:aws-cn:iam::123456789012:role/a/b/R");
    expect(() => checkRoleArn("arn:aws:iam::123456789012:user/alice")).toThrow(/role: .* is not an IAM role ARN/);
    expect(() => checkRoleArn("MyRole")).toThrow(/role: "MyRole"/);
  });
});

// The local backend's STS and IAM answer these calls for real (see the session tests);
// the mocks cover what only AWS accounts produce: a denied GetRole and a path from GetRole.
describe("getExecutionRole (edge cases)", () => {
  const caller = "arn:aws:sts::123456789012:assumed-role/AmazonSageMaker-ExecutionRole-7/SageMaker";

  it("returns GetRole's ARN, which carries the role's path", async () => {
    const sts = mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Arn: caller, Account: "123456789012" });
    const iam = mockClient(IAMClient)
      .on(GetRoleCommand, { RoleName: "AmazonSageMaker-ExecutionRole-7" })
      .resolves({ Role: { Arn: "arn:aws:iam::123456789012:role/custom/path/AmazonSageMaker-ExecutionRole-7" } as never });
    const role = await getExecutionRole({ sts: new STSClient({ region: "us-east-1" }), iam: new IAMClient({ region: "us-east-1" }) });
    expect(role).toBe("arn:aws:iam::123456789012:role/custom/path/AmazonSageMaker-ExecutionRole-7");
    sts.restore();
    iam.restore();
  });

  it("falls back to the guessed ARN with a warning when GetRole is denied", async () => {
    const sts = mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Arn: caller, Account: "123456789012" });
    const denied = Object.assign(new Error("User is not authorized to perform: iam:GetRole"), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    const iam = mockClient(IAMClient).on(GetRoleCommand).rejects(denied);
    const warnings: string[] = [];
    const role = await getExecutionRole(
      { sts: new STSClient({ region: "us-east-1" }), iam: new IAMClient({ region: "us-east-1" }) },
      { warn: (m) => warnings.push(m) },
    );
    expect(role).toBe("arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-7");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/iam:GetRole .* failed \(AccessDenied: .*\); using arn:aws:iam::123456789012:role\/service-role\//);
    sts.restore();
    iam.restore();
  });

  it("does not hide network failures behind a guess", async () => {
    const sts = mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Arn: caller, Account: "123456789012" });
    const iam = mockClient(IAMClient).on(GetRoleCommand).rejects(new Error("connect ECONNREFUSED"));
    await expect(
      getExecutionRole({ sts: new STSClient({ region: "us-east-1" }), iam: new IAMClient({ region: "us-east-1" }) }),
    ).rejects.toThrow(/ECONNREFUSED/);
    sts.restore();
    iam.restore();
  });

  it("uses a role ARN passed in without asking STS, and validates it", async () => {
    const sts = mockClient(STSClient);
    const clients = { sts: new STSClient({ region: "us-east-1" }), iam: new IAMClient({ region: "us-east-1" }) };
    expect(await getExecutionRole(clients, { roleArn: "arn:aws:iam::123456789012:role/R" })).toBe("arn:aws:iam::123456789012:role/R");
    expect(sts.calls()).toHaveLength(0);
    await expect(getExecutionRole(clients, { roleArn: "R" })).rejects.toThrow(/not an IAM role ARN/);
    sts.restore();
  });

  it("tells a user identity to pass a role", async () => {
    const sts = mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::123456789012:user/alice" });
    const iam = mockClient(IAMClient).on(GetRoleCommand).rejects(new NoSuchEntityException({ message: "x", $metadata: {} }));
    await expect(
      getExecutionRole({ sts: new STSClient({ region: "us-east-1" }), iam: new IAMClient({ region: "us-east-1" }) }),
    ).rejects.toThrow(/IAM user, not a role/);
    expect(iam.calls()).toHaveLength(0);
    sts.restore();
    iam.restore();
  });
});
