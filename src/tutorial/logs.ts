/**
 * Follows a job's CloudWatch Logs streams while it runs: SageMaker writes a
 * training job's output to group /aws/sagemaker/TrainingJobs, stream
 * `<job>/algo-1-<epoch seconds>`.
 */
import {
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";

export const TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs";

export class LogTail {
  private readonly tokens = new Map<string, string | undefined>();
  private unavailable: string | undefined;

  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly group: string,
    private readonly streamPrefix: string,
    private readonly onLine: (line: string, stream: string) => void,
  ) {}

  /** Why following the log was given up (e.g. a backend without CloudWatch Logs), if it was. */
  get disabledReason(): string | undefined {
    return this.unavailable;
  }

  /** Fetches what was written since the last call; returns the number of new lines. */
  async poll(): Promise<number> {
    if (this.unavailable) return 0;
    try {
      return await this.pollStreams();
    } catch (e) {
      const err = e as Error;
      // The group appears only when the job first writes to it.
      if (err.name === "ResourceNotFoundException") return 0;
      this.unavailable = `${err.name}: ${err.message}`;
      return 0;
    }
  }

  private async pollStreams(): Promise<number> {
    const described = await this.logs.send(
      new DescribeLogStreamsCommand({ logGroupName: this.group, logStreamNamePrefix: this.streamPrefix }),
    );
    const streams = (described.logStreams ?? [])
      .map((s) => s.logStreamName)
      .filter((name): name is string => typeof name === "string")
      .sort();
    let count = 0;
    for (const stream of streams) {
      let token = this.tokens.get(stream);
      for (;;) {
        const page = await this.logs.send(
          new GetLogEventsCommand({ logGroupName: this.group, logStreamName: stream, startFromHead: true, nextToken: token }),
        );
        for (const event of page.events ?? []) {
          const message = (event.message ?? "").replace(/\r?\n$/, "");
          this.onLine(message, stream);
          count += 1;
        }
        // The same token back means the end of what exists so far.
        const next = page.nextForwardToken;
        const done = !page.events?.length || next === token;
        token = next ?? token;
        if (done) break;
      }
      this.tokens.set(stream, token);
    }
    return count;
  }
}
