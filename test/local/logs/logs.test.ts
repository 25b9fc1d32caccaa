import {
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  ResourceNotFoundException,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateTrainingJobCommand, waitUntilTrainingJobCompletedOrStopped } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startHarness, trainingRequest, type Harness } from "../sagemaker/harness";

const GROUP = "/aws/sagemaker/TrainingJobs";
const EXPECTED = [
  "Docker entrypoint called with argument(s): train",
  "[INFO] Epoch[0] Train-accuracy=0.500000",
  "[INFO] Epoch[0] Validation-accuracy=0.400000",
  "loss=1.000",
  "[INFO] Epoch[1] Train-accuracy=0.600000",
  "[INFO] Epoch[1] Validation-accuracy=0.500000",
  "loss=0.500",
  "Training complete.",
];

let h: Harness;
let stream: string;
beforeAll(async () => {
  h = await startHarness();
  await h.put("data/train/a.txt", "x");
  for (const name of ["logs-job", "logs-job-2"]) {
    await h.sm.send(new CreateTrainingJobCommand(trainingRequest(name, { HyperParameters: { epochs: "2" } })));
    await waitUntilTrainingJobCompletedOrStopped({ client: h.sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 }, { TrainingJobName: name });
  }
  const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "logs-job/" }));
  stream = streams.logStreams![0].logStreamName!;
});
afterAll(async () => {
  await h?.stop();
});

/** stdout and stderr are separate pipes: compare the lines, not their interleaving. */
const sorted = (xs: (string | undefined)[]) => [...xs].sort();

describe("CloudWatch Logs for training jobs", () => {
  it("names streams <job>/algo-1-<epoch seconds> in /aws/sagemaker/TrainingJobs", async () => {
    const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "logs-job" }));
    // Names sort by code point, as on AWS: "-" comes before "/".
    expect(streams.logStreams!.map((s) => s.logStreamName)).toEqual([expect.stringMatching(/^logs-job-2\/algo-1-\d{10}$/), expect.stringMatching(/^logs-job\/algo-1-\d{10}$/)]);
    const s = streams.logStreams![1];
    expect(s.firstEventTimestamp).toBeLessThanOrEqual(s.lastEventTimestamp!);
    expect(s.arn).toBe(`arn:aws:logs:${h.srv.region}:${h.srv.accountId}:log-group:${GROUP}:log-stream:${s.logStreamName}`);
    const desc = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, descending: true }));
    expect(desc.logStreams!.map((x) => x.logStreamName!.split("/")[0])).toEqual(["logs-job", "logs-job-2"]);
    const byTime = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: "LastEventTime", descending: true, limit: 1 }));
    expect(byTime.logStreams!.map((x) => x.logStreamName!.split("/")[0])).toEqual(["logs-job-2"]);
    const next = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: "LastEventTime", descending: true, limit: 1, nextToken: byTime.nextToken }));
    expect(next.logStreams!.map((x) => x.logStreamName!.split("/")[0])).toEqual(["logs-job"]);
    expect(next.nextToken).toBeUndefined();
  });

  it("reads a stream from the head, page by page, and returns the same forward token when nothing is new", async () => {
    const all = await h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true }));
    expect(sorted(all.events!.map((e) => e.message))).toEqual(sorted(EXPECTED));
    for (const e of all.events!) expect(e.ingestionTime).toBeGreaterThanOrEqual(e.timestamp!);
    const again = await h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, nextToken: all.nextForwardToken }));
    expect(again.events).toEqual([]);
    expect(again.nextForwardToken).toBe(all.nextForwardToken);

    const messages: string[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: token === undefined, nextToken: token, limit: 3 }));
      pages += 1;
      if (page.events!.length === 0) break;
      messages.push(...page.events!.map((e) => e.message!));
      token = page.nextForwardToken;
    }
    expect(messages).toEqual(all.events!.map((e) => e.message));
    expect(pages).toBe(4);
  });

  it("reads from the tail by default and pages backwards", async () => {
    const all = (await h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, startFromHead: true }))).events!.map((e) => e.message);
    const tail = await h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 2 }));
    expect(tail.events!.map((e) => e.message)).toEqual(all.slice(-2));
    const before = await h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 2, nextToken: tail.nextBackwardToken }));
    expect(before.events!.map((e) => e.message)).toEqual(all.slice(-4, -2));
  });

  it("filters events across streams with CloudWatch's term syntax, with pages", async () => {
    const acc = await h.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "Validation-accuracy", logStreamNamePrefix: "logs-job/" }));
    expect(acc.events!.map((e) => e.message)).toEqual(["[INFO] Epoch[0] Validation-accuracy=0.400000", "[INFO] Epoch[1] Validation-accuracy=0.500000"]);
    expect(acc.events![0].logStreamName).toBe(stream);
    const either = await h.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "?loss=1.000 ?complete", logStreamNames: [stream] }));
    expect(sorted(either.events!.map((e) => e.message))).toEqual(["Training complete.", "loss=1.000"]);
    const phrase = await h.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '"Epoch[1] Train" -Validation' }));
    expect(phrase.events).toHaveLength(2);
    const first = await h.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "Epoch", limit: 5 }));
    const second = await h.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "Epoch", limit: 5, nextToken: first.nextToken }));
    expect(first.events).toHaveLength(5);
    expect(second.events).toHaveLength(3);
    expect(second.nextToken).toBeUndefined();
    expect(new Set([...first.events!, ...second.events!].map((e) => e.eventId)).size).toBe(8);
  });

  it("lists the groups SageMaker wrote", async () => {
    const groups = await h.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/sagemaker/" }));
    expect(groups.logGroups!.map((g) => g.logGroupName)).toEqual([GROUP]);
  });

  it("answers missing groups and streams with ResourceNotFoundException, bad parameters with InvalidParameterException", async () => {
    const noGroup = await errorOf(h.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/Nothing" })));
    expect(noGroup).toBeInstanceOf(ResourceNotFoundException);
    expect(noGroup.message).toBe("The specified log group does not exist.");
    const noStream = await errorOf(h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "nope" })));
    expect(noStream).toBeInstanceOf(ResourceNotFoundException);
    expect(noStream.message).toBe("The specified log stream does not exist.");
    const order = await errorOf(h.logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: "LastEventTime", logStreamNamePrefix: "x" })));
    expect(order).toBeInstanceOf(InvalidParameterException);
    expect(order.message).toBe("Cannot order by LastEventTime with a logStreamNamePrefix.");
    const limit = await errorOf(h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 0 })));
    expect(limit).toBeInstanceOf(InvalidParameterException);
    expect(limit.message).toBe("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
    const token = await errorOf(h.logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, nextToken: "x/1" })));
    expect(token.message).toBe("The specified nextToken is invalid.");
    const json = await errorOf(h.logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "{ $.level = 1 }" })));
    expect(json).toBeInstanceOf(InvalidParameterException);
    expect(json.message).toMatch(/does not support/);
  });

  it("accepts a log group ARN as logGroupIdentifier", async () => {
    const byArn = await h.logs.send(
      new GetLogEventsCommand({ logGroupIdentifier: `arn:aws:logs:${h.srv.region}:${h.srv.accountId}:log-group:${GROUP}`, logStreamName: stream, startFromHead: true, limit: 1 }),
    );
    expect(byArn.events).toHaveLength(1);
  });
});
