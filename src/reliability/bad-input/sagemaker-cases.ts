/**
 * Bad input to the SageMaker control plane: missing, extra and mistyped
 * members, patterns, lengths, ranges, enums, duplicate and missing resources,
 * empty prefixes. Expected answers are AWS's validation messages (member
 * paths in lowerCamelCase, "N validation error(s) detected: ...").
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListTrainingJobsCommand,
  StopTrainingJobCommand,
  type CreateTrainingJobCommandInput,
} from "@aws-sdk/client-sagemaker";
import { imageClassificationImageUri } from "../../tutorial/image-uri";
import { jsonRequest, sendSigned } from "../raw-http";
import { ROLE, trainingJobRequest, transformJobRequest } from "../workloads";
import { rawOutcome, sdkOutcome } from "../outcome";
import { CASE_RESOURCES, type BadInputCase, type CaseContext } from "./case";

const validation = (message: string | RegExp) => ({ status: 400, type: "ValidationException", message });

function training(ctx: CaseContext, overrides: Partial<CreateTrainingJobCommandInput> = {}): CreateTrainingJobCommandInput {
  return { ...trainingJobRequest(ctx.server.region, ctx.bucket, ctx.data, ctx.unique("bad-input-job")), ...overrides };
}

function createTraining(ctx: CaseContext, overrides: Partial<CreateTrainingJobCommandInput>) {
  return sdkOutcome(ctx.clients.sagemaker.send(new CreateTrainingJobCommand(training(ctx, overrides))));
}

/** A CreateTrainingJob body sent as raw JSON, after `edit` changed it. */
async function rawTraining(ctx: CaseContext, edit: (body: Record<string, unknown>) => void) {
  const body = JSON.parse(JSON.stringify(training(ctx))) as Record<string, unknown>;
  edit(body);
  return rawOutcome(await sendSigned(ctx.server, jsonRequest("SageMaker.CreateTrainingJob", body), { service: "sagemaker" }));
}

/** The training job must not exist after its CreateTrainingJob was refused. */
function noJob(name: string) {
  return async (ctx: CaseContext): Promise<string[]> => {
    const found = await sdkOutcome(ctx.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name })));
    return found.status === 400 ? [] : [`training job ${name} exists after its creation was refused`];
  };
}

const INSTANCE_ENUM = /^1 validation error detected: Value 'ml\.bogus\.large' at 'resourceConfig\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[.*ml\.m5\.large.*\]$/;
const NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";

export const sagemakerCases: BadInputCase[] = [
  {
    id: "sagemaker.training.missing-member",
    area: "sagemaker",
    sends: "CreateTrainingJob without TrainingJobName (raw JSON)",
    via: "raw-http",
    expect: validation("1 validation error detected: Value null at 'trainingJobName' failed to satisfy constraint: Member must not be null"),
    run: (ctx) => rawTraining(ctx, (b) => delete b.TrainingJobName),
  },
  {
    id: "sagemaker.training.name-pattern",
    area: "sagemaker",
    sends: 'CreateTrainingJob named "bad name!"',
    via: "sdk",
    expect: validation(`1 validation error detected: Value 'bad name!' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`),
    run: (ctx) => createTraining(ctx, { TrainingJobName: "bad name!" }),
    leftovers: noJob("bad name!"),
  },
  {
    id: "sagemaker.training.name-length",
    area: "sagemaker",
    sends: "CreateTrainingJob with a 64-character name",
    via: "sdk",
    // 64 characters also break the pattern's {0,62}: AWS reports both.
    expect: validation(
      `2 validation errors detected: Value '${"a".repeat(64)}' at 'trainingJobName' failed to satisfy constraint: Member must have length less than or equal to 63; ` +
        `Value '${"a".repeat(64)}' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
    ),
    run: (ctx) => createTraining(ctx, { TrainingJobName: "a".repeat(64) }),
  },
  {
    id: "sagemaker.training.range",
    area: "sagemaker",
    sends: "CreateTrainingJob with StoppingCondition.MaxRuntimeInSeconds 0",
    via: "sdk",
    expect: validation("1 validation error detected: Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    run: (ctx) => createTraining(ctx, { StoppingCondition: { MaxRuntimeInSeconds: 0 } }),
  },
  {
    id: "sagemaker.training.enum",
    area: "sagemaker",
    sends: 'CreateTrainingJob with InstanceType "ml.bogus.large"',
    via: "sdk",
    expect: validation(INSTANCE_ENUM),
    run: (ctx) => createTraining(ctx, { ResourceConfig: { InstanceType: "ml.bogus.large" as "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 } }),
  },
  {
    id: "sagemaker.training.two-violations",
    area: "sagemaker",
    sends: 'CreateTrainingJob named "bad name!" with MaxRuntimeInSeconds 0: both reported at once',
    via: "sdk",
    expect: validation(/^2 validation errors detected: Value 'bad name!' at 'trainingJobName' .*; Value '0' at 'stoppingCondition\.maxRuntimeInSeconds' /),
    run: (ctx) => createTraining(ctx, { TrainingJobName: "bad name!", StoppingCondition: { MaxRuntimeInSeconds: 0 } }),
  },
  {
    id: "sagemaker.training.wrong-type",
    area: "sagemaker",
    sends: 'CreateTrainingJob with ResourceConfig.InstanceCount "one" (a string; raw JSON)',
    via: "raw-http",
    expect: { status: 400, type: "SerializationException", message: /resourceConfig\.instanceCount/ },
    run: (ctx) => rawTraining(ctx, (b) => ((b.ResourceConfig as Record<string, unknown>).InstanceCount = "one")),
  },
  {
    id: "sagemaker.training.not-json",
    area: "sagemaker",
    sends: "CreateTrainingJob with a body that is not JSON (raw)",
    via: "raw-http",
    expect: { status: 400, type: "SerializationException" },
    run: async (ctx) => rawOutcome(await sendSigned(ctx.server, jsonRequest("SageMaker.CreateTrainingJob", "{not json"), { service: "sagemaker" })),
  },
  {
    id: "sagemaker.training.hyperparameter-length",
    area: "sagemaker",
    sends: "CreateTrainingJob with a 2501-character hyperparameter value",
    via: "sdk",
    expect: validation(/^1 validation error detected: Value '.*' at 'hyperParameters' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 2500/),
    run: (ctx) => createTraining(ctx, { HyperParameters: { epochs: "1".repeat(2501) } }),
  },
  {
    id: "sagemaker.training.role-pattern",
    area: "sagemaker",
    sends: 'CreateTrainingJob with RoleArn "not-a-role"',
    via: "sdk",
    expect: validation(
      /^2 validation errors detected: Value 'not-a-role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value 'not-a-role' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: \^arn:aws/,
    ),
    run: (ctx) => createTraining(ctx, { RoleArn: "not-a-role" }),
  },
  {
    id: "sagemaker.training.s3-uri-pattern",
    area: "sagemaker",
    sends: 'CreateTrainingJob with S3OutputPath "http://bucket/x"',
    via: "sdk",
    expect: validation(/^1 validation error detected: Value 'http:\/\/bucket\/x' at 'outputDataConfig\.s3OutputPath' failed to satisfy constraint: Member must satisfy regular expression pattern/),
    run: (ctx) => createTraining(ctx, { OutputDataConfig: { S3OutputPath: "http://bucket/x" } }),
  },
  {
    id: "sagemaker.training.empty-prefix",
    area: "sagemaker",
    sends: "CreateTrainingJob whose train channel names a prefix with no objects",
    via: "sdk",
    expect: validation(/^No S3 objects found under S3 URL "s3:\/\/[^"]+\/empty\/prefix\/" given in input data source\. Please ensure that the bucket exists/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(ctx.server.region, ctx.bucket, ctx.data, ctx.unique("empty-prefix"), { trainPrefix: "empty/prefix" })))),
  },
  {
    id: "sagemaker.training.output-bucket-missing",
    area: "sagemaker",
    sends: "CreateTrainingJob whose S3OutputPath names a bucket that does not exist",
    via: "sdk",
    expect: validation(/no-such-output-bucket/),
    run: (ctx) => createTraining(ctx, { OutputDataConfig: { S3OutputPath: "s3://no-such-output-bucket/out" } }),
  },
  {
    id: "sagemaker.training.unknown-image",
    area: "sagemaker",
    sends: "CreateTrainingJob with an image that has no local program",
    via: "sdk",
    expect: validation(/example\.com\/unknown:1/),
    run: (ctx) => createTraining(ctx, { AlgorithmSpecification: { TrainingImage: "example.com/unknown:1", TrainingInputMode: "File" } }),
  },
  {
    id: "sagemaker.training.duplicate",
    area: "sagemaker",
    sends: "CreateTrainingJob with the name of an existing job (in other letter case)",
    via: "sdk",
    expect: { status: 400, type: "ResourceInUse", message: /^Training job names must be unique within an AWS account and region, and a training job with this name already exists \(arn:/ },
    run: (ctx) => createTraining(ctx, { TrainingJobName: ctx.completedJob.toUpperCase() }),
  },
  {
    id: "sagemaker.training.missing",
    area: "sagemaker",
    sends: "DescribeTrainingJob of a job that does not exist",
    via: "sdk",
    expect: validation("Requested resource not found."),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "no-such-job" }))),
  },
  {
    id: "sagemaker.training.stop-finished",
    area: "sagemaker",
    sends: "StopTrainingJob of a completed job",
    via: "sdk",
    expect: validation("The request was rejected because the training job is in status Completed."),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: ctx.completedJob }))),
  },
  {
    id: "sagemaker.training.two-instances",
    area: "sagemaker",
    sends: "CreateTrainingJob with InstanceCount 2 (refused locally: one machine)",
    via: "sdk",
    expect: validation(/InstanceCount/),
    run: (ctx) => createTraining(ctx, { ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2, VolumeSizeInGB: 1 } }),
  },
  {
    id: "sagemaker.training.extra-member",
    area: "sagemaker",
    sends: 'DescribeTrainingJob with an extra member "Bogus" (raw JSON): ignored, as the service ignores unknown members',
    via: "raw-http",
    expect: { status: 200, type: "" },
    run: async (ctx) =>
      rawOutcome(await sendSigned(ctx.server, jsonRequest("SageMaker.DescribeTrainingJob", { TrainingJobName: ctx.completedJob, Bogus: 1 }), { service: "sagemaker" })),
  },
  {
    id: "sagemaker.model.duplicate",
    area: "sagemaker",
    sends: "CreateModel with the name of an existing model",
    via: "sdk",
    expect: validation(new RegExp(`^Cannot create already existing model "arn:aws:sagemaker:[a-z0-9-]+:\\d{12}:model/${CASE_RESOURCES.model}"\\.$`)),
    run: (ctx) =>
      sdkOutcome(
        ctx.clients.sagemaker.send(
          new CreateModelCommand({ ModelName: ctx.model, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: imageClassificationImageUri(ctx.server.region), ModelDataUrl: ctx.modelData } }),
        ),
      ),
  },
  {
    id: "sagemaker.model.data-missing",
    area: "sagemaker",
    sends: "CreateModel whose ModelDataUrl names no object",
    via: "sdk",
    expect: validation(/^Could not access model data at s3:\/\/[^ ]+\/no\/model\.tar\.gz/),
    run: (ctx) =>
      sdkOutcome(
        ctx.clients.sagemaker.send(
          new CreateModelCommand({
            ModelName: ctx.unique("no-data"),
            ExecutionRoleArn: ROLE,
            PrimaryContainer: { Image: imageClassificationImageUri(ctx.server.region), ModelDataUrl: `s3://${ctx.bucket}/no/model.tar.gz` },
          }),
        ),
      ),
  },
  {
    id: "sagemaker.model.delete-missing",
    area: "sagemaker",
    sends: "DeleteModel of a model that does not exist",
    via: "sdk",
    expect: validation(/^Could not find model "arn:aws:sagemaker:[a-z0-9-]+:\d{12}:model\/no-such-model"\.$/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new DeleteModelCommand({ ModelName: "no-such-model" }))),
  },
  {
    id: "sagemaker.endpoint-config.missing-model",
    area: "sagemaker",
    sends: "CreateEndpointConfig whose variant names a model that does not exist",
    via: "sdk",
    expect: validation(/^Could not find model "arn:aws:sagemaker:[^"]+:model\/no-such-model"\.$/),
    run: (ctx) =>
      sdkOutcome(
        ctx.clients.sagemaker.send(
          new CreateEndpointConfigCommand({
            EndpointConfigName: ctx.unique("config"),
            ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "no-such-model", InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge" }],
          }),
        ),
      ),
  },
  {
    id: "sagemaker.endpoint-config.no-variants",
    area: "sagemaker",
    sends: "CreateEndpointConfig with an empty ProductionVariants list",
    via: "sdk",
    expect: validation(/^1 validation error detected: Value '\[\]' at 'productionVariants' failed to satisfy constraint: Member must have length greater than or equal to 1$/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: ctx.unique("config"), ProductionVariants: [] }))),
  },
  {
    id: "sagemaker.endpoint-config.negative-weight",
    area: "sagemaker",
    sends: "CreateEndpointConfig with InitialVariantWeight -1",
    via: "sdk",
    expect: validation(/at 'productionVariants\.1\.member\.initialVariantWeight' failed to satisfy constraint: Member must have value greater than or equal to 0/),
    run: (ctx) =>
      sdkOutcome(
        ctx.clients.sagemaker.send(
          new CreateEndpointConfigCommand({
            EndpointConfigName: ctx.unique("config"),
            ProductionVariants: [{ VariantName: "AllTraffic", ModelName: ctx.model, InitialInstanceCount: 1, InstanceType: "ml.m4.xlarge", InitialVariantWeight: -1 }],
          }),
        ),
      ),
  },
  {
    id: "sagemaker.endpoint.missing-config",
    area: "sagemaker",
    sends: "CreateEndpoint naming an endpoint configuration that does not exist",
    via: "sdk",
    expect: validation(/^Could not find endpoint configuration "arn:aws:sagemaker:[^"]+:endpoint-config\/no-such-config"\.$/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new CreateEndpointCommand({ EndpointName: ctx.unique("endpoint"), EndpointConfigName: "no-such-config" }))),
  },
  {
    id: "sagemaker.endpoint.duplicate",
    area: "sagemaker",
    sends: "CreateEndpoint with the name of the live endpoint in upper case (names are case-insensitive)",
    via: "sdk",
    expect: validation(/^Cannot create already existing endpoint "arn:aws:sagemaker:[^"]+:endpoint\/[^"]+"\.$/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new CreateEndpointCommand({ EndpointName: ctx.endpoint.toUpperCase(), EndpointConfigName: `${ctx.endpoint}-config` }))),
  },
  {
    id: "sagemaker.endpoint.missing",
    area: "sagemaker",
    sends: "DescribeEndpoint of an endpoint that does not exist",
    via: "sdk",
    expect: validation(/^Could not find endpoint "arn:aws:sagemaker:[^"]+:endpoint\/no-such-endpoint"\.$/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: "no-such-endpoint" }))),
  },
  {
    id: "sagemaker.transform.missing",
    area: "sagemaker",
    sends: "DescribeTransformJob of a job that does not exist",
    via: "sdk",
    expect: validation(/^Could not find requested job with name no-such-transform/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: "no-such-transform" }))),
  },
  {
    id: "sagemaker.transform.missing-model",
    area: "sagemaker",
    sends: "CreateTransformJob naming a model that does not exist",
    via: "sdk",
    expect: validation(/no-such-model/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new CreateTransformJobCommand(transformJobRequest(ctx.bucket, "no-such-model", ctx.unique("transform"))))),
  },
  {
    id: "sagemaker.transform.empty-prefix",
    area: "sagemaker",
    sends: "CreateTransformJob whose input prefix holds no objects",
    via: "sdk",
    expect: validation(/empty\/prefix/),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new CreateTransformJobCommand(transformJobRequest(ctx.bucket, ctx.model, ctx.unique("transform"), "empty/prefix")))),
  },
  {
    id: "sagemaker.list.max-results",
    area: "sagemaker",
    sends: "ListTrainingJobs with MaxResults 101",
    via: "sdk",
    expect: validation("1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"),
    run: (ctx) => sdkOutcome(ctx.clients.sagemaker.send(new ListTrainingJobsCommand({ MaxResults: 101 }))),
  },
  {
    id: "sagemaker.unknown-operation",
    area: "sagemaker",
    sends: "X-Amz-Target SageMaker.CreateNotebookInstance (not served locally; raw JSON)",
    via: "raw-http",
    expect: { status: 400, type: "UnknownOperationException" },
    run: async (ctx) => rawOutcome(await sendSigned(ctx.server, jsonRequest("SageMaker.CreateNotebookInstance", {}), { service: "sagemaker" })),
  },
];
