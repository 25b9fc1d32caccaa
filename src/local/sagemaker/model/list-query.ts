/**
 * The filtering, sorting and paging the SageMaker List operations share.
 * NextToken is a cursor (the sort value and name of the last item returned),
 * so pages stay consistent while resources are created between calls.
 */
import { validationException } from "../json/errors";
import type { ListInput } from "./api-types";

export interface Listable {
  name: string;
  creationTime: number;
  lastModifiedTime: number;
  status?: string;
}

/** SageMaker's List operations return 10 items unless MaxResults says otherwise. */
const DEFAULT_MAX_RESULTS = 10;

interface Cursor {
  v: string | number;
  n: string;
}

function toMs(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === "number" ? value * 1000 : Date.parse(value);
}

function sortValue(item: Listable, sortBy: string): string | number {
  if (sortBy === "Name") return item.name.toLowerCase();
  if (sortBy === "Status") return item.status ?? "";
  return item.creationTime;
}

function compare(a: [string | number, string], b: [string | number, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function decodeToken(token: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Cursor;
    if ((typeof c.v === "string" || typeof c.v === "number") && typeof c.n === "string") return c;
  } catch {
    // Reported below.
  }
  throw validationException(`The NextToken "${token}" is not one this operation returned. Pass the NextToken of the previous response unchanged, or omit it to start from the first page.`);
}

export function listPage<T extends Listable>(items: T[], q: ListInput): { page: T[]; NextToken?: string } {
  const sortBy = q.SortBy ?? "CreationTime";
  const descending = q.SortOrder === "Descending";
  const created = [toMs(q.CreationTimeAfter), toMs(q.CreationTimeBefore)];
  const modified = [toMs(q.LastModifiedTimeAfter), toMs(q.LastModifiedTimeBefore)];
  const nameContains = q.NameContains?.toLowerCase();
  const keyOf = (t: T): [string | number, string] => [sortValue(t, sortBy), t.name.toLowerCase()];
  const order = (a: T, b: T): number => compare(keyOf(a), keyOf(b)) * (descending ? -1 : 1);

  let selected = items.filter(
    (t) =>
      (nameContains === undefined || t.name.toLowerCase().includes(nameContains)) &&
      (q.StatusEquals === undefined || t.status === q.StatusEquals) &&
      (created[0] === undefined || t.creationTime > created[0]) &&
      (created[1] === undefined || t.creationTime < created[1]) &&
      (modified[0] === undefined || t.lastModifiedTime > modified[0]) &&
      (modified[1] === undefined || t.lastModifiedTime < modified[1]),
  );
  selected.sort(order);
  if (q.NextToken !== undefined) {
    const c = decodeToken(q.NextToken);
    selected = selected.filter((t) => compare(keyOf(t), [c.v, c.n]) * (descending ? -1 : 1) > 0);
  }
  const max = q.MaxResults ?? DEFAULT_MAX_RESULTS;
  const page = selected.slice(0, max);
  if (selected.length <= max) return { page };
  const [v, n] = keyOf(page[page.length - 1]);
  return { page, NextToken: Buffer.from(JSON.stringify({ v, n } satisfies Cursor)).toString("base64url") };
}
