/** CreateModel, DescribeModel, DeleteModel, ListModels. */
import type { LocalSageMaker } from "../backend";
import { validationException } from "../json/errors";
import { epochSeconds, type OperationHandler } from "../json/protocol";
import type { ContainerDefinition, CreateModelInput, ListInput } from "../model/api-types";
import { sagemakerArn } from "../model/arns";
import { listPage } from "../model/list-query";
import type { ModelRecord } from "../model/records";
import { SAGEMAKER_DESCRIBE_MEMBERS } from "../tables/sagemaker.generated";
import { checkImage, echo, s3Location, unsupported } from "./checks";

export function modelNotFound(b: LocalSageMaker, name: string): never {
  throw validationException(`Could not find model "${sagemakerArn(b.ctx, "model", name)}".`);
}

/** The one container of a model (inference pipelines of several containers are not supported locally). */
export function primaryContainer(request: Pick<CreateModelInput, "PrimaryContainer" | "Containers">): ContainerDefinition {
  return request.PrimaryContainer ?? request.Containers![0];
}

async function checkContainer(b: LocalSageMaker, c: ContainerDefinition, member: string, roleArn?: string): Promise<void> {
  if (c.Mode === "MultiModel") unsupported(`${member}.Mode MultiModel`, "a local endpoint serves one model. Use Mode SingleModel.");
  if (c.ModelDataSource !== undefined) unsupported(`${member}.ModelDataSource`, "models are read from a model.tar.gz. Give ModelDataUrl instead.");
  if (c.Image === undefined) throw validationException(`${member}.Image is required: the local SageMaker needs the image to know which program serves the model.`);
  checkImage(b, c.Image);
  if (c.ModelDataUrl !== undefined) {
    const loc = s3Location(c.ModelDataUrl, `${member}.ModelDataUrl`);
    if (!(await b.ctx.store.bucketExists(loc.bucket)) || !(await b.ctx.store.headObject(loc.bucket, loc.key))) {
      throw validationException(
        `Could not access model data at ${c.ModelDataUrl}. Please ensure that the role "${roleArn ?? ""}" exists and that its trust relationship policy allows the action "sts:AssumeRole" ` +
          `for the service principal "sagemaker.amazonaws.com". Also ensure that the role has "s3:GetObject" permissions and that the object is located in ${b.ctx.region}.`,
      );
    }
  }
}

export function modelOperations(b: LocalSageMaker): Record<string, OperationHandler> {
  const find = (name: string): ModelRecord => b.models.get(name) ?? modelNotFound(b, name);
  return {
    async CreateModel(input: CreateModelInput) {
      const name = input.ModelName;
      const arn = sagemakerArn(b.ctx, "model", name);
      if (b.models.get(name)) throw validationException(`Cannot create already existing model "${arn}".`);
      if (input.PrimaryContainer === undefined && input.Containers === undefined) {
        throw validationException("Either PrimaryContainer or Containers must be given: the container (Image and ModelDataUrl) that serves the model.");
      }
      if (input.PrimaryContainer !== undefined && input.Containers !== undefined) {
        throw validationException("Give either PrimaryContainer or Containers, not both.");
      }
      if (input.Containers !== undefined && input.Containers.length !== 1) {
        unsupported(`Containers with ${input.Containers.length} containers (an inference pipeline)`, "a local model has one container. Give it as PrimaryContainer.");
      }
      await checkContainer(b, primaryContainer(input), input.PrimaryContainer ? "PrimaryContainer" : "Containers.1", input.ExecutionRoleArn);
      if (b.models.get(name)) throw validationException(`Cannot create already existing model "${arn}".`);
      const { Tags: _tags, ...request } = input;
      const now = Date.now();
      b.models.put({ name, arn, creationTime: now, lastModifiedTime: now, request });
      return { ModelArn: arn };
    },

    async DescribeModel(input: { ModelName: string }) {
      const rec = find(input.ModelName);
      const withMode = (c: ContainerDefinition): ContainerDefinition => ({ Mode: "SingleModel", ...c });
      return {
        ...echo(rec.request, SAGEMAKER_DESCRIBE_MEMBERS.DescribeModel),
        ModelName: rec.name,
        ModelArn: rec.arn,
        ...(rec.request.PrimaryContainer && { PrimaryContainer: withMode(rec.request.PrimaryContainer) }),
        ...(rec.request.Containers && { Containers: rec.request.Containers.map(withMode) }),
        CreationTime: epochSeconds(rec.creationTime),
        EnableNetworkIsolation: (rec.request as { EnableNetworkIsolation?: boolean }).EnableNetworkIsolation ?? false,
      };
    },

    async DeleteModel(input: { ModelName: string }) {
      b.models.delete(find(input.ModelName).name);
      return {};
    },

    async ListModels(input: ListInput) {
      const { page, NextToken } = listPage(b.models.all(), input);
      return {
        Models: page.map((r) => ({ ModelName: r.name, ModelArn: r.arn, CreationTime: epochSeconds(r.creationTime) })),
        ...(NextToken && { NextToken }),
      };
    },
  };
}
