/**
 * A small, strict XML reader for the request bodies AWS's XML APIs accept
 * (CompleteMultipartUpload, Delete, CreateBucketConfiguration). It builds an
 * element tree, drops namespaces' prefixes and attributes, and throws
 * `XmlSyntaxError` on anything that is not well-formed.
 */

export interface XmlNode {
  /** Local name, without a namespace prefix. */
  name: string;
  children: XmlNode[];
  /** Concatenated text content of this element (not of its children). */
  text: string;
}

export class XmlSyntaxError extends Error {}

const NAME = /^[A-Za-z_][\w.\-]*(:[A-Za-z_][\w.\-]*)?/;

export function parseXml(source: string): XmlNode {
  let pos = 0;
  const fail = (what: string): never => {
    throw new XmlSyntaxError(`${what} at character ${pos}`);
  };
  const skipMisc = () => {
    for (;;) {
      const rest = source.slice(pos);
      const ws = /^\s+/.exec(rest);
      if (ws) {
        pos += ws[0].length;
        continue;
      }
      if (rest.startsWith("<?")) {
        const end = source.indexOf("?>", pos);
        if (end < 0) fail("unterminated processing instruction");
        pos = end + 2;
        continue;
      }
      if (rest.startsWith("<!--")) {
        const end = source.indexOf("-->", pos);
        if (end < 0) fail("unterminated comment");
        pos = end + 3;
        continue;
      }
      if (rest.startsWith("<!DOCTYPE")) fail("DOCTYPE is not allowed");
      return;
    }
  };
  const readElement = (): XmlNode => {
    if (source[pos] !== "<") fail("expected an element");
    pos++;
    const m = NAME.exec(source.slice(pos));
    if (!m) return fail("expected an element name");
    const qname = m[0];
    pos += qname.length;
    const attrs = /^(\s+[A-Za-z_][\w.\-:]*\s*=\s*("[^"<]*"|'[^'<]*'))*\s*/.exec(source.slice(pos));
    pos += attrs ? attrs[0].length : 0;
    const node: XmlNode = { name: qname.includes(":") ? qname.slice(qname.indexOf(":") + 1) : qname, children: [], text: "" };
    if (source.startsWith("/>", pos)) {
      pos += 2;
      return node;
    }
    if (source[pos] !== ">") fail(`malformed start tag <${qname}>`);
    pos++;
    for (;;) {
      if (pos >= source.length) fail(`<${qname}> is not closed`);
      if (source.startsWith("</", pos)) {
        const end = source.indexOf(">", pos);
        if (end < 0 || source.slice(pos + 2, end).trim() !== qname) fail(`expected </${qname}>`);
        pos = end + 1;
        return node;
      }
      if (source.startsWith("<!--", pos)) {
        const end = source.indexOf("-->", pos);
        if (end < 0) fail("unterminated comment");
        pos = end + 3;
      } else if (source.startsWith("<![CDATA[", pos)) {
        const end = source.indexOf("]]>", pos);
        if (end < 0) fail("unterminated CDATA section");
        node.text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source[pos] === "<") {
        node.children.push(readElement());
      } else {
        const next = source.indexOf("<", pos);
        const raw = source.slice(pos, next < 0 ? source.length : next);
        node.text += decodeEntities(raw, fail);
        pos += raw.length;
      }
    }
  };
  skipMisc();
  const root = readElement();
  skipMisc();
  if (pos !== source.length) fail("content after the root element");
  return root;
}

function decodeEntities(raw: string, fail: (what: string) => never): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) return fail(`unterminated entity "&${name}"`);
    switch (name) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
    }
    const code = /^#x[0-9a-fA-F]+$/.test(name) ? parseInt(name.slice(2), 16) : /^#\d+$/.test(name) ? parseInt(name.slice(1), 10) : NaN;
    if (!Number.isFinite(code) || code > 0x10ffff) return fail(`unknown entity "&${name};"`);
    return String.fromCodePoint(code);
  });
}

/** Direct children named `name`. */
export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

/** Text of the single direct child named `name`, or undefined. */
export function childText(node: XmlNode, name: string): string | undefined {
  const c = node.children.find((x) => x.name === name);
  return c?.text;
}
