/** Writing XML the way AWS's XML protocols do: no indentation, UTF-8, escaped text. */

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : c === "'" ? "&apos;" : "&#13;",
  );
}

/** `<name>text</name>`; with `raw`, `content` is already XML. */
export function xmlElement(name: string, content: string | number | boolean, raw = false): string {
  const text = typeof content === "string" ? content : String(content);
  return `<${name}>${raw ? text : escapeXml(text)}</${name}>`;
}

/** Child elements, skipping undefined values. */
export function xmlElements(fields: Array<[string, string | number | boolean | undefined]>): string {
  return fields
    .filter((f): f is [string, string | number | boolean] => f[1] !== undefined)
    .map(([k, v]) => xmlElement(k, v))
    .join("");
}

export function xmlDocument(root: string, innerXml: string, namespace?: string): string {
  const ns = namespace ? ` xmlns="${namespace}"` : "";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${innerXml}</${root}>`;
}
