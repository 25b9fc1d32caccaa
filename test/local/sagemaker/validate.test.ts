import { describe, expect, it } from "vitest";
import { formatViolations, validateShape } from "../../../src/local/sagemaker/json/validate";
import { SAGEMAKER_TABLES } from "../../../src/local/sagemaker/tables/sagemaker.generated";
import { LOGS_TABLES } from "../../../src/local/logs/tables.generated";

const shapes = SAGEMAKER_TABLES.shapes;
const check = (op: string, input: unknown) => validateShape(shapes, SAGEMAKER_TABLES.operations[op], input);

describe("request validation from the shape tables", () => {
  it("reports a missing required member as null, with its lowerCamel path", () => {
    expect(check("DescribeTrainingJob", {}).violations).toEqual([
      "Value null at 'trainingJobName' failed to satisfy constraint: Member must not be null",
    ]);
  });

  it("reports pattern and length violations separately, as AWS does", () => {
    const name = "x".repeat(64);
    expect(check("DescribeEndpoint", { EndpointName: name }).violations).toEqual([
      `Value '${name}' at 'endpointName' failed to satisfy constraint: Member must have length less than or equal to 63`,
      `Value '${name}' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
    ]);
  });

  it("matches patterns against the whole value", () => {
    expect(check("DescribeModel", { ModelName: "ok-name" }).violations).toEqual([]);
    expect(check("DescribeModel", { ModelName: "bad_name" }).violations[0]).toContain("Member must satisfy regular expression pattern");
  });

  it("names list elements as <list>.<n>.member and nested members", () => {
    const r = check("CreateEndpointConfig", {
      EndpointConfigName: "c",
      ProductionVariants: [{ VariantName: "v", ModelName: "m" }, { VariantName: "v2", ModelName: "ENTER MODEL NAME" }],
    });
    expect(r.violations).toEqual([
      "Value 'ENTER MODEL NAME' at 'productionVariants.2.member.modelName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*",
    ]);
  });

  it("checks enums, numeric ranges and collection sizes", () => {
    const r = check("ListTrainingJobs", { MaxResults: 0, SortBy: "Size", StatusEquals: "Done" });
    expect(r.violations).toEqual([
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
      expect.stringMatching(/^Value 'Done' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: \[InProgress, Completed, Failed, Stopping, Stopped/),
      "Value 'Size' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [Name, CreationTime, Status]",
    ]);
    const variants = Array.from({ length: 11 }, (_, i) => ({ VariantName: `v${i}`, ModelName: "m" }));
    expect(check("CreateEndpointConfig", { EndpointConfigName: "c", ProductionVariants: variants }).violations[0]).toMatch(
      /^Value '\[\{.*\}\]' at 'productionVariants' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
  });

  it("reports map keys and values at the map, in one entry each", () => {
    const r = check("CreateTrainingJob", {
      TrainingJobName: "j",
      AlgorithmSpecification: { TrainingInputMode: "File" },
      RoleArn: "arn:aws:iam::123456789012:role/r",
      OutputDataConfig: { S3OutputPath: "s3://b/o" },
      ResourceConfig: { VolumeSizeInGB: 1 },
      StoppingCondition: {},
      HyperParameters: { ["k".repeat(257)]: "v".repeat(2501) },
    });
    expect(r.violations).toEqual([
      expect.stringMatching(/at 'hyperParameters' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must have length less than or equal to 256/),
      expect.stringMatching(/at 'hyperParameters' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 2500/),
    ]);
  });

  it("accepts the instance types the current SDK knows, beyond botocore's 2022 list", () => {
    const base = { TransformJobName: "t", ModelName: "m", TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/i" } } }, TransformOutput: { S3OutputPath: "s3://b/o" } };
    expect(check("CreateTransformJob", { ...base, TransformResources: { InstanceType: "ml.c5.xlarge", InstanceCount: 1 } }).violations).toEqual([]);
    expect(check("CreateTransformJob", { ...base, TransformResources: { InstanceType: "ml.tiny", InstanceCount: 1 } }).violations[0]).toContain("at 'transformResources.instanceType'");
  });

  it("reports values of the wrong JSON type as type errors naming the member", () => {
    const r = check("ListTrainingJobs", { MaxResults: "ten", SortOrder: 3 });
    expect(r.violations).toEqual([]);
    expect(r.typeErrors).toEqual([
      "'maxResults' must be an integer, not a string (ten).",
      "'sortOrder' must be a string, not a number (3).",
    ]);
    expect(check("DescribeModel", []).typeErrors).toEqual(["The request body must be an object, not an array ([])."]);
  });

  it("words the summary as '1 validation error' and 'N validation errors'", () => {
    expect(formatViolations(["a"])).toBe("1 validation error detected: a");
    expect(formatViolations(["a", "b"])).toBe("2 validation errors detected: a; b");
  });

  it("validates CloudWatch Logs requests with the same rules", () => {
    const r = validateShape(LOGS_TABLES.shapes, LOGS_TABLES.operations.GetLogEvents, { logStreamName: "s", limit: 10001 });
    expect(r.violations).toEqual(["Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"]);
  });
});
