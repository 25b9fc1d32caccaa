/**
 * notebooks/sanitize.cfg, through the runner's own sanitizer parser: it
 * hides what varies between runs and machines (probabilities, accuracies,
 * whether the bucket was new, how fast the endpoint came up) and nothing the
 * check must still see (labels, counts, epochs, the hyperparameter table).
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { sanitize, sanitizerSet } from "../../src/runner/check/sanitize";

const CFG = path.join(__dirname, "..", "..", "notebooks", "sanitize.cfg");
const set = sanitizerSet({ files: [CFG], defaults: true });
const same = (a: string, b: string) => expect(sanitize(a, set)).toBe(sanitize(b, set));
const differ = (a: string, b: string) => expect(sanitize(a, set)).not.toBe(sanitize(b, set));

describe("notebooks/sanitize.cfg", () => {
  it("hides whether setup created the bucket", () => {
    same("Created bucket sagemaker-us-east-1-000000000000\nbackend: local, region: us-east-1\n", "backend: local, region: us-east-1\n");
    differ("backend: local, region: us-east-1\n", "backend: local, region: eu-west-1\n");
  });

  it("hides the endpoint's first status but not the final one", () => {
    same("EndpointStatus = Creating\nEndpoint creation ended with EndpointStatus = InService\n", "EndpointStatus = InService\nEndpoint creation ended with EndpointStatus = InService\n");
    differ("EndpointStatus = Creating\nEndpoint creation ended with EndpointStatus = InService\n", "EndpointStatus = Creating\nEndpoint creation ended with EndpointStatus = Failed\n");
  });

  it("hides probabilities but keeps the endpoint's label", () => {
    same("Result: label - triangle, probability - 0.9997890591621399\n", "Result: label - triangle, probability - 1\n");
    differ("Result: label - triangle, probability - 0.99\n", "Result: label - star, probability - 0.99\n");
  });

  it("hides the batch transform's per-image labels but keeps its inputs and number of results", () => {
    const batch = (labels: string[]) =>
      [
        "Sample inputs: 003_0001.jpg, 003_0002.jpg",
        `Sample output: ${labels.slice(0, 2).join(", ")}`,
        `${labels.filter((l) => l === "triangle").length} of ${labels.length} images classified as triangle.`,
        ...labels.map((l) => `Result: label - ${l}, probability - 0.9`),
        "",
      ].join("\n");
    same(batch(["triangle", "triangle", "triangle"]), batch(["star", "triangle", "square"]));
    differ(batch(["triangle", "triangle", "triangle"]), batch(["triangle", "triangle"]));
    expect(sanitize(batch(["triangle", "star"]), set)).toContain("<N> of 2 images classified as triangle.\nResult: label - <LABEL>, probability - <P>\nResult: label - <LABEL>,");
    const row = (file: string, label: string, p: string) => `<tr><td>${file}</td><td>${label}</td><td>${p}</td></tr>`;
    same(row("003_0001.jpg", "triangle", "1"), row("003_0001.jpg", "star", "0.9903"));
    differ(row("003_0001.jpg", "triangle", "1"), row("003_0002.jpg", "triangle", "1"));
  });

  it("keeps the top-5 table's winner and hides the order of the runners-up", () => {
    const top = (rows: Array<[string, number, string]>) => rows.map(([label, index, p], i) => `<tr><td>${i + 1}</td><td>${label}</td><td>${index}</td><td>${p}</td></tr>`).join("\n");
    same(
      top([["triangle", 2, "0.999789"], ["star", 5, "0.000104"], ["square", 1, "0.000081"], ["crescent", 7, "0.000024"], ["circle", 0, "0.000001"]]),
      top([["triangle", 2, "0.998"], ["square", 1, "0.001"], ["star", 5, "0.0005"], ["circle", 0, "0.0001"], ["arrow", 8, "0.00001"]]),
    );
    differ(top([["triangle", 2, "0.9"]]), top([["star", 5, "0.9"]]));
  });

  it("hides accuracies and epoch times but keeps the epochs", () => {
    const table = (n: number, acc: string) => Array.from({ length: n }, (_, e) => `<tr><td>${e}</td><td>${acc}</td><td>${acc}</td><td>4.2</td></tr>`).join("\n");
    same(table(5, "0.95"), table(5, "0.875"));
    differ(table(5, "0.95"), table(4, "0.95"));
  });

  it("leaves the hyperparameter table alone", () => {
    const row = "<tr><td>beta_1</td><td>no</td><td>0.9</td><td>0 &lt;= x &lt;= 1</td><td>Adam: decay of the first moment estimate.</td></tr>";
    expect(sanitize(row, set)).toBe(row);
  });
});
