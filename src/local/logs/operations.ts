/**
 * The CloudWatch Logs operations a SageMaker user needs to read job and
 * endpoint logs: DescribeLogGroups, DescribeLogStreams, GetLogEvents,
 * FilterLogEvents. Tokens are positions (`f/<n>`, `b/<n>` as on AWS for
 * GetLogEvents; opaque offsets elsewhere): GetLogEvents returns the same
 * nextForwardToken when nothing new has been written, which is how log
 * followers know to wait.
 */
import { ApiError } from "../sagemaker/json/errors";
import type { OperationHandler } from "../sagemaker/json/protocol";
import type { LogEvent, LogGroup, LogStore, LogStream } from "./log-store";

interface ArnContext {
  region: string;
  accountId: string;
  partition: string;
}

const invalid = (message: string): ApiError => new ApiError("InvalidParameterException", message);
const notFound = (message: string): ApiError => new ApiError("ResourceNotFoundException", message);

function offsetToken(n: number): string {
  return Buffer.from(`o:${n}`).toString("base64url");
}

function readOffsetToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!m) throw invalid("The specified nextToken is invalid.");
  return Number(m[1]);
}

interface GroupRef {
  logGroupName?: string;
  logGroupIdentifier?: string;
}

/** Groups are named by logGroupName or logGroupIdentifier (a name or an ARN), not both. */
function groupName(ref: GroupRef): string {
  if (ref.logGroupName !== undefined && ref.logGroupIdentifier !== undefined) {
    throw invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  const id = ref.logGroupName ?? ref.logGroupIdentifier;
  if (id === undefined) throw invalid("Either logGroupName or logGroupIdentifier must be given.");
  const arn = /^arn:[^:]+:logs:[^:]*:\d*:log-group:(.+?)(:\*)?$/.exec(id);
  return arn ? arn[1] : id;
}

function lastEventTime(s: LogStream): number {
  return s.events.length > 0 ? s.events[s.events.length - 1].timestamp : 0;
}

/** CloudWatch's term syntax, for the plain-text patterns people use: `a b` (both), `"a b"` (phrase), `?a ?b` (either), `-a` (not). */
function compileFilter(pattern: string | undefined): (message: string) => boolean {
  const text = (pattern ?? "").trim();
  if (text === "") return () => true;
  if (text.startsWith("{") || text.startsWith("[") || text.startsWith("%")) {
    throw invalid(`The filterPattern ${JSON.stringify(text)} uses JSON, space-delimited or regex syntax, which the local CloudWatch Logs does not support. Use terms: a b, "a phrase", ?either ?or, -not.`);
  }
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  for (const m of text.matchAll(/([?-]?)(?:"([^"]*)"|(\S+))/g)) {
    const term = m[2] ?? m[3];
    (m[1] === "?" ? any : m[1] === "-" ? none : all).push(term);
  }
  return (message) =>
    all.every((t) => message.includes(t)) && (any.length === 0 || any.some((t) => message.includes(t))) && !none.some((t) => message.includes(t));
}

export function logsOperations(store: LogStore, arn: ArnContext): Record<string, OperationHandler> {
  const groupArn = (name: string): string => `arn:${arn.partition}:logs:${arn.region}:${arn.accountId}:log-group:${name}`;
  const findGroup = (ref: GroupRef): LogGroup => {
    const group = store.group(groupName(ref));
    if (!group) throw notFound("The specified log group does not exist.");
    return group;
  };
  const inTime = (e: LogEvent, start?: number, end?: number): boolean => (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp < end);

  return {
    async DescribeLogGroups(input: { logGroupNamePrefix?: string; logGroupNamePattern?: string; limit?: number; nextToken?: string }) {
      if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
        throw invalid("logGroupNamePrefix and logGroupNamePattern are mutually exclusive parameters.");
      }
      const groups = store
        .allGroups()
        .filter((g) => (input.logGroupNamePrefix === undefined || g.name.startsWith(input.logGroupNamePrefix)) && (input.logGroupNamePattern === undefined || g.name.toLowerCase().includes(input.logGroupNamePattern.toLowerCase())))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const start = readOffsetToken(input.nextToken);
      const limit = input.limit ?? 50;
      const page = groups.slice(start, start + limit);
      return {
        logGroups: page.map((g) => ({ logGroupName: g.name, creationTime: g.creationTime, metricFilterCount: 0, arn: `${groupArn(g.name)}:*`, logGroupArn: groupArn(g.name), storedBytes: 0, logGroupClass: "STANDARD" })),
        ...(start + limit < groups.length && { nextToken: offsetToken(start + limit) }),
      };
    },

    async DescribeLogStreams(input: GroupRef & { logStreamNamePrefix?: string; orderBy?: string; descending?: boolean; limit?: number; nextToken?: string }) {
      const group = findGroup(input);
      if (input.orderBy === "LastEventTime" && input.logStreamNamePrefix !== undefined) {
        throw invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
      }
      const byTime = input.orderBy === "LastEventTime";
      const streams = [...group.streams.values()]
        .filter((s) => input.logStreamNamePrefix === undefined || s.name.startsWith(input.logStreamNamePrefix))
        .sort((a, b) => (byTime ? lastEventTime(a) - lastEventTime(b) : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (input.descending) streams.reverse();
      const start = readOffsetToken(input.nextToken);
      const limit = input.limit ?? 50;
      const page = streams.slice(start, start + limit);
      return {
        logStreams: page.map((s) => ({
          logStreamName: s.name,
          creationTime: s.creationTime,
          ...(s.events.length > 0 && {
            firstEventTimestamp: s.events[0].timestamp,
            lastEventTimestamp: lastEventTime(s),
            lastIngestionTime: s.events[s.events.length - 1].ingestionTime,
          }),
          uploadSequenceToken: String(s.events.length + 1).padStart(20, "0"),
          arn: `arn:${arn.partition}:logs:${arn.region}:${arn.accountId}:log-group:${group.name}:log-stream:${s.name}`,
          storedBytes: 0,
        })),
        ...(start + limit < streams.length && { nextToken: offsetToken(start + limit) }),
      };
    },

    async GetLogEvents(input: GroupRef & { logStreamName: string; startTime?: number; endTime?: number; nextToken?: string; limit?: number; startFromHead?: boolean }) {
      const group = findGroup(input);
      const stream = group.streams.get(input.logStreamName);
      if (!stream) throw notFound("The specified log stream does not exist.");
      const events = stream.events;
      const limit = input.limit ?? 10000;
      const matches = (i: number): boolean => inTime(events[i], input.startTime, input.endTime);
      let direction: "f" | "b";
      let position: number;
      if (input.nextToken !== undefined) {
        const m = /^([fb])\/(\d+)$/.exec(input.nextToken);
        if (!m) throw invalid("The specified nextToken is invalid.");
        direction = m[1] as "f" | "b";
        position = Math.min(Number(m[2]), events.length);
      } else if (input.startFromHead) {
        direction = "f";
        position = 0;
      } else {
        direction = "b";
        position = events.length;
      }
      // [from, to) is the range of positions this page covers.
      const picked: number[] = [];
      let from = position;
      let to = position;
      if (direction === "f") {
        while (to < events.length && picked.length < limit) {
          if (matches(to)) picked.push(to);
          to += 1;
        }
      } else {
        while (from > 0 && picked.length < limit) {
          from -= 1;
          if (matches(from)) picked.unshift(from);
        }
      }
      return {
        events: picked.map((i) => ({ timestamp: events[i].timestamp, message: events[i].message, ingestionTime: events[i].ingestionTime })),
        nextForwardToken: `f/${to}`,
        nextBackwardToken: `b/${from}`,
      };
    },

    async FilterLogEvents(input: GroupRef & { logStreamNames?: string[]; logStreamNamePrefix?: string; startTime?: number; endTime?: number; filterPattern?: string; nextToken?: string; limit?: number }) {
      const group = findGroup(input);
      if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
        throw invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
      }
      const accept = compileFilter(input.filterPattern);
      const streams = [...group.streams.values()].filter(
        (s) => (input.logStreamNames === undefined || input.logStreamNames.includes(s.name)) && (input.logStreamNamePrefix === undefined || s.name.startsWith(input.logStreamNamePrefix)),
      );
      const found = streams
        .flatMap((s) => s.events.map((e, i) => ({ s, e, i })))
        .filter(({ e }) => inTime(e, input.startTime, input.endTime) && accept(e.message))
        .sort((a, b) => a.e.timestamp - b.e.timestamp || (a.s.name < b.s.name ? -1 : a.s.name > b.s.name ? 1 : a.i - b.i));
      const start = readOffsetToken(input.nextToken);
      const limit = input.limit ?? 10000;
      const page = found.slice(start, start + limit);
      return {
        events: page.map(({ s, e, i }) => ({
          logStreamName: s.name,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
          eventId: `${String(e.timestamp).padStart(16, "0")}${String(i).padStart(16, "0")}`,
        })),
        searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: true })),
        ...(start + limit < found.length && { nextToken: offsetToken(start + limit) }),
      };
    },
  };
}
