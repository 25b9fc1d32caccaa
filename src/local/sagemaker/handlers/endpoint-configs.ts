/** CreateEndpointConfig, DescribeEndpointConfig, DeleteEndpointConfig, ListEndpointConfigs. */
import type { LocalSageMaker } from "../backend";
import { validationException } from "../json/errors";
import { epochSeconds, type OperationHandler } from "../json/protocol";
import type { CreateEndpointConfigInput, ListInput } from "../model/api-types";
import { sagemakerArn } from "../model/arns";
import { listPage } from "../model/list-query";
import type { EndpointConfigRecord } from "../model/records";
import { SAGEMAKER_DESCRIBE_MEMBERS } from "../tables/sagemaker.generated";
import { echo, unsupported } from "./checks";
import { modelNotFound } from "./models";

export function endpointConfigNotFound(b: LocalSageMaker, name: string): never {
  throw validationException(`Could not find endpoint configuration "${sagemakerArn(b.ctx, "endpoint-config", name)}".`);
}

export function endpointConfigOperations(b: LocalSageMaker): Record<string, OperationHandler> {
  const find = (name: string): EndpointConfigRecord => b.endpointConfigs.get(name) ?? endpointConfigNotFound(b, name);
  return {
    async CreateEndpointConfig(input: CreateEndpointConfigInput) {
      const name = input.EndpointConfigName;
      const arn = sagemakerArn(b.ctx, "endpoint-config", name);
      if (b.endpointConfigs.get(name)) throw validationException(`Cannot create already existing endpoint configuration "${arn}".`);
      if (input.AsyncInferenceConfig !== undefined) unsupported("AsyncInferenceConfig", "local endpoints answer InvokeEndpoint only. Remove AsyncInferenceConfig.");
      const seen = new Set<string>();
      for (const v of input.ProductionVariants) {
        if (seen.has(v.VariantName)) throw validationException(`VariantName "${v.VariantName}" is used by more than one production variant; variant names must be unique.`);
        seen.add(v.VariantName);
        if (!b.models.get(v.ModelName)) modelNotFound(b, v.ModelName);
      }
      const { Tags: _tags, ...request } = input;
      const now = Date.now();
      b.endpointConfigs.put({ name, arn, creationTime: now, lastModifiedTime: now, request });
      return { EndpointConfigArn: arn };
    },

    async DescribeEndpointConfig(input: { EndpointConfigName: string }) {
      const rec = find(input.EndpointConfigName);
      return {
        ...echo(rec.request, SAGEMAKER_DESCRIBE_MEMBERS.DescribeEndpointConfig),
        EndpointConfigName: rec.name,
        EndpointConfigArn: rec.arn,
        ProductionVariants: rec.request.ProductionVariants.map((v) => ({ InitialVariantWeight: 1, ...v })),
        CreationTime: epochSeconds(rec.creationTime),
      };
    },

    async DeleteEndpointConfig(input: { EndpointConfigName: string }) {
      b.endpointConfigs.delete(find(input.EndpointConfigName).name);
      return {};
    },

    async ListEndpointConfigs(input: ListInput) {
      const { page, NextToken } = listPage(b.endpointConfigs.all(), input);
      return {
        EndpointConfigs: page.map((r) => ({ EndpointConfigName: r.name, EndpointConfigArn: r.arn, CreationTime: epochSeconds(r.creationTime) })),
        ...(NextToken && { NextToken }),
      };
    },
  };
}
