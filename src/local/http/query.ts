/**
 * Query strings as SigV4 sees them. `URLSearchParams` turns "+" into a space,
 * but AWS clients percent-encode spaces and sign "+" as "%2B", so the raw
 * query is decoded here with percent-decoding only.
 */

export class MalformedQueryError extends Error {}

/** Decoded pairs in wire order. Throws `MalformedQueryError` on invalid percent-encoding. */
export function parseRawQuery(raw: string): Array<[string, string]> {
  if (raw === "") return [];
  return raw
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? "" : part.slice(eq + 1);
      try {
        return [decodeURIComponent(k), decodeURIComponent(v)];
      } catch {
        throw new MalformedQueryError(`query parameter "${part}" is not valid percent-encoded UTF-8`);
      }
    });
}

/** The shape `@smithy/signature-v4` signs: repeated keys become arrays. */
export function toSignableQuery(pairs: Array<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function toSearchParams(pairs: Array<[string, string]>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of pairs) params.append(k, v);
  return params;
}
