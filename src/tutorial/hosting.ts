/** Real-time hosting (C13-C15): endpoint configuration, endpoint, and waiting for InService. */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  DescribeEndpointCommand,
  type CreateEndpointConfigInput,
  type CreateEndpointInput,
  type DescribeEndpointOutput,
  type ProductionVariantInstanceType,
} from "@aws-sdk/client-sagemaker";
import { checkResourceName } from "./names";
import { pollUntilSettled } from "./poll";
import { formatDuration, startProgress } from "./progress";
import type { TutorialSession } from "./session";

export interface EndpointConfigInput {
  endpointConfigName: string;
  modelName: string;
  instanceType?: string;
  instanceCount?: number;
}

export function buildEndpointConfigRequest(input: EndpointConfigInput): CreateEndpointConfigInput {
  checkResourceName("endpoint_config_name", input.endpointConfigName);
  checkResourceName("model_name", input.modelName);
  return {
    EndpointConfigName: input.endpointConfigName,
    ProductionVariants: [
      {
        InstanceType: (input.instanceType ?? "ml.m4.xlarge") as ProductionVariantInstanceType,
        InitialInstanceCount: input.instanceCount ?? 1,
        ModelName: input.modelName,
        VariantName: "AllTraffic",
      },
    ],
  };
}

export async function createEndpointConfig(session: TutorialSession, request: CreateEndpointConfigInput): Promise<string> {
  const created = await session.tracker.creating("EndpointConfig", request.EndpointConfigName as string, () =>
    session.clients.sagemaker.send(new CreateEndpointConfigCommand(request)),
  );
  return created.EndpointConfigArn as string;
}

export function buildEndpointRequest(endpointName: string, endpointConfigName: string): CreateEndpointInput {
  checkResourceName("endpoint_name", endpointName);
  checkResourceName("endpoint_config_name", endpointConfigName);
  return { EndpointName: endpointName, EndpointConfigName: endpointConfigName };
}

/** Creates the endpoint and records it (the guard deletes it should the kernel die before the clean-up cell). */
export async function createEndpoint(session: TutorialSession, request: CreateEndpointInput): Promise<string> {
  const created = await session.tracker.creating("Endpoint", request.EndpointName as string, () => session.clients.sagemaker.send(new CreateEndpointCommand(request)));
  return created.EndpointArn as string;
}

export async function describeEndpoint(session: TutorialSession, name: string): Promise<DescribeEndpointOutput> {
  return session.clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
}

/** Waits until InService (the SDK waiter EndpointInService's states) with progress; throws with FailureReason otherwise. */
export async function waitForEndpoint(
  session: TutorialSession,
  name: string,
  options: { pollSeconds?: number; maxWaitSeconds?: number } = {},
): Promise<DescribeEndpointOutput> {
  const progress = startProgress(`endpoint ${name}`);
  const { state, verdict } = await pollUntilSettled<DescribeEndpointOutput>({
    what: `endpoint ${name}`,
    describe: () => describeEndpoint(session, name),
    verdict: (d) => (d.EndpointStatus === "InService" ? "done" : d.EndpointStatus === "Failed" ? "failed" : "wait"),
    onState: (d, elapsed) => progress.update(`${d.EndpointStatus} (${formatDuration(elapsed)})`),
    pollSeconds: options.pollSeconds ?? session.pollSeconds,
    maxWaitSeconds: options.maxWaitSeconds ?? 3600,
    onTimeoutHint: "Run the cell again to keep waiting; the clean-up cell deletes the endpoint.",
  });
  progress.done(state.EndpointStatus as string);
  if (verdict === "failed") {
    throw new Error(`Endpoint creation failed: ${name} is ${state.EndpointStatus}: ${state.FailureReason ?? "no FailureReason given"}`);
  }
  console.log(`Endpoint creation ended with EndpointStatus = ${state.EndpointStatus}`);
  return state;
}
