/**
 * A kernel may die at any instant, also between the moment SageMaker created
 * a resource and the moment the tutorial recorded it (the full cloud-safety
 * run once left an endpoint behind that way). So the tutorial's create
 * helpers record a resource before they ask for it: the state file the guard
 * reads must name it while the create request is on its way. A create the
 * service refuses leaves nothing on record (the name may be someone else's).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Target } from "../../src/reliability/target";
import { cleanUpTracked } from "../../src/tutorial/cleanup";
import { buildEndpointConfigRequest, buildEndpointRequest, createEndpoint, createEndpointConfig } from "../../src/tutorial/hosting";
import { buildCreateModelRequest, createModel } from "../../src/tutorial/model";
import { setup, type TutorialSession } from "../../src/tutorial/session";
import { workspace, type Workspace } from "./helpers";

let ws: Workspace;
let target: Target;
let session: TutorialSession;
const NAME_MEMBER: Record<string, string> = { CreateModelCommand: "ModelName", CreateEndpointConfigCommand: "EndpointConfigName", CreateEndpointCommand: "EndpointName" };
/** Per create request: was its resource in the state file when the request was sent? */
const recordedWhenSent: Record<string, boolean> = {};

beforeAll(async () => {
  ws = await workspace("record-before-create");
  target = await Target.start({ dataDir: path.join(ws.dir, "server") });
  session = await setup({ backend: "local", connectLocal: async () => target.info, stateDir: path.join(ws.dir, "state"), guard: false });
  session.clients.sagemaker.middlewareStack.add(
    (next, context) => async (args) => {
      const member = NAME_MEMBER[context.commandName ?? ""];
      const name = member && ((args.input as Record<string, unknown>)[member] as string);
      if (name) {
        const state = fs.existsSync(session.tracker.stateFile) ? fs.readFileSync(session.tracker.stateFile, "utf8") : "";
        recordedWhenSent[`${context.commandName} ${name}`] = state.includes(`"name": "${name}"`);
      }
      return next(args);
    },
    { step: "build", name: "stateFileAtSend" },
  );
  await session.clients.s3.send(new PutObjectCommand({ Bucket: session.bucket, Key: "model/model.tar.gz", Body: "not really a model" }));
});

afterAll(async () => {
  if (session) await cleanUpTracked(session.clients.sagemaker, session.tracker);
  await target?.stop();
  ws?.remove();
});

describe("the tutorial's create helpers", () => {
  it("record the model, the endpoint configuration and the endpoint before asking for them", async () => {
    const modelDataUrl = `s3://${session.bucket}/model/model.tar.gz`;
    await createModel(session, buildCreateModelRequest({ modelName: "record-first-model", role: session.role, image: session.trainingImage, modelDataUrl }));
    await createEndpointConfig(session, buildEndpointConfigRequest({ endpointConfigName: "record-first-config", modelName: "record-first-model" }));
    await createEndpoint(session, buildEndpointRequest("record-first-endpoint", "record-first-config"));
    expect(recordedWhenSent).toEqual({
      "CreateModelCommand record-first-model": true,
      "CreateEndpointConfigCommand record-first-config": true,
      "CreateEndpointCommand record-first-endpoint": true,
    });
    expect(session.tracker.list().map((r) => `${r.kind} ${r.name}`)).toEqual(["Model record-first-model", "EndpointConfig record-first-config", "Endpoint record-first-endpoint"]);
  });

  it("forget a name the service refused: a model of that name exists, but it is not this session's", async () => {
    const modelDataUrl = `s3://${session.bucket}/model/model.tar.gz`;
    await target.clients.sagemaker.send(new CreateModelCommand(buildCreateModelRequest({ modelName: "someone-elses-model", role: session.role, image: session.trainingImage, modelDataUrl })));
    await expect(
      createModel(session, buildCreateModelRequest({ modelName: "someone-elses-model", role: session.role, image: session.trainingImage, modelDataUrl })),
    ).rejects.toThrow(/Cannot create already existing model/);
    expect(session.tracker.list().map((r) => r.name)).not.toContain("someone-elses-model");
  });
});
