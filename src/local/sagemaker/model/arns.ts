/** ARNs as SageMaker writes them: the resource name lower-cased. */

export type ResourceType = "training-job" | "transform-job" | "model" | "endpoint-config" | "endpoint";

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  if (region.startsWith("us-iso-")) return "aws-iso";
  return "aws";
}

export interface ArnContext {
  region: string;
  accountId: string;
}

export function sagemakerArn(ctx: ArnContext, type: ResourceType, name: string): string {
  return `arn:${partitionOf(ctx.region)}:sagemaker:${ctx.region}:${ctx.accountId}:${type}/${name.toLowerCase()}`;
}

export function logGroupArn(ctx: ArnContext, group: string): string {
  return `arn:${partitionOf(ctx.region)}:logs:${ctx.region}:${ctx.accountId}:log-group:${group}`;
}
