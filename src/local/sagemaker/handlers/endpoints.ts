/** CreateEndpoint, DescribeEndpoint, ListEndpoints, DeleteEndpoint. */
import { createHash } from "node:crypto";
import type { LocalSageMaker } from "../backend";
import { validationException } from "../json/errors";
import { epochSeconds, type OperationHandler } from "../json/protocol";
import type { CreateEndpointInput, ListInput } from "../model/api-types";
import { sagemakerArn } from "../model/arns";
import { listPage } from "../model/list-query";
import type { DeployedVariant, EndpointRecord } from "../model/records";
import { checkImage } from "./checks";
import { endpointConfigNotFound } from "./endpoint-configs";
import { modelNotFound, primaryContainer } from "./models";

/** What waitUntilEndpointDeleted waits for: a missing endpoint is a ValidationException. */
export function endpointNotFound(b: LocalSageMaker, name: string): never {
  throw validationException(`Could not find endpoint "${sagemakerArn(b.ctx, "endpoint", name)}".`);
}

/** A stable digest per image URI, standing in for the registry digest AWS resolves tags to. */
function resolvedImage(image: string): string {
  const repo = image.replace(/:[^/:]+$/, "");
  return `${repo}@sha256:${createHash("sha256").update(image).digest("hex")}`;
}

function describe(rec: EndpointRecord): object {
  const inService = rec.status === "InService";
  return {
    EndpointName: rec.name,
    EndpointArn: rec.arn,
    EndpointConfigName: rec.endpointConfigName,
    ProductionVariants: rec.variants.map((v) => ({
      VariantName: v.variantName,
      DeployedImages: v.resolutionTime === undefined ? [] : [{ SpecifiedImage: v.container.Image, ResolvedImage: resolvedImage(v.container.Image!), ResolutionTime: epochSeconds(v.resolutionTime) }],
      CurrentWeight: v.weight,
      DesiredWeight: v.weight,
      CurrentInstanceCount: inService ? v.instanceCount : 0,
      DesiredInstanceCount: v.instanceCount,
    })),
    EndpointStatus: rec.status,
    ...(rec.failureReason !== undefined && { FailureReason: rec.failureReason }),
    CreationTime: epochSeconds(rec.creationTime),
    LastModifiedTime: epochSeconds(rec.lastModifiedTime),
  };
}

export function endpointOperations(b: LocalSageMaker): Record<string, OperationHandler> {
  const find = (name: string): EndpointRecord => b.endpoints.get(name) ?? endpointNotFound(b, name);
  return {
    async CreateEndpoint(input: CreateEndpointInput) {
      const name = input.EndpointName;
      const arn = sagemakerArn(b.ctx, "endpoint", name);
      if (b.endpoints.get(name)) throw validationException(`Cannot create already existing endpoint "${arn}".`);
      const config = b.endpointConfigs.get(input.EndpointConfigName) ?? endpointConfigNotFound(b, input.EndpointConfigName);
      const now = Date.now();
      // The endpoint keeps a copy of its models: deleting them later does not affect it, as on AWS.
      const variants: DeployedVariant[] = config.request.ProductionVariants.map((v) => {
        const model = b.models.get(v.ModelName) ?? modelNotFound(b, v.ModelName);
        const container = primaryContainer(model.request);
        checkImage(b, container.Image!);
        return {
          variantName: v.VariantName,
          modelName: model.name,
          container,
          weight: v.InitialVariantWeight ?? 1,
          instanceCount: v.InitialInstanceCount ?? 1,
          ...(v.ContainerStartupHealthCheckTimeoutInSeconds !== undefined && { healthCheckTimeoutSeconds: v.ContainerStartupHealthCheckTimeoutInSeconds }),
          resolutionTime: now,
        };
      });
      b.endpoints.put({ name, arn, creationTime: now, lastModifiedTime: now, endpointConfigName: config.name, status: "Creating", variants });
      b.hosting.deploy(name);
      return { EndpointArn: arn };
    },

    async DescribeEndpoint(input: { EndpointName: string }) {
      return describe(find(input.EndpointName));
    },

    async ListEndpoints(input: ListInput) {
      const { page, NextToken } = listPage(b.endpoints.all(), input);
      return {
        Endpoints: page.map((r) => ({
          EndpointName: r.name,
          EndpointArn: r.arn,
          CreationTime: epochSeconds(r.creationTime),
          LastModifiedTime: epochSeconds(r.lastModifiedTime),
          EndpointStatus: r.status,
        })),
        ...(NextToken && { NextToken }),
      };
    },

    async DeleteEndpoint(input: { EndpointName: string }) {
      const rec = find(input.EndpointName);
      // A second delete of an endpoint already being deleted changes nothing.
      if (rec.status !== "Deleting") {
        void b.hosting.delete(rec.name).catch((e) => b.ctx.logger.error("endpoint deletion failed", { endpoint: rec.name, error: String(e) }));
      }
      return {};
    },
  };
}
