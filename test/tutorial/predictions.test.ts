import { describe, expect, it } from "vitest";
import {
  argmax,
  dataFrameRows,
  parsePrediction,
  resultLine,
  topK,
  topKDataFrame,
  topLabel,
} from "../../src/tutorial/predictions";

const labels = ["circle", "square", "triangle", "cross"];

describe("parsePrediction", () => {
  it("reads a bare JSON array (real-time answer)", () => {
    expect(parsePrediction("[0.1, 0.2, 0.6, 0.1]", "x")).toEqual([0.1, 0.2, 0.6, 0.1]);
  });

  it("reads {\"prediction\": [...]} from a batch .out file, as bytes, with a trailing newline", () => {
    const bytes = new TextEncoder().encode('{"prediction": [0.25, 0.75]}\n');
    expect(parsePrediction(bytes, "x")).toEqual([0.25, 0.75]);
  });

  it("reads the first line of JSON Lines", () => {
    expect(parsePrediction('{"prediction":[1,0]}\n{"prediction":[0,1]}\n', "x")).toEqual([1, 0]);
  });

  it("names the source and what was wrong", () => {
    expect(() => parsePrediction("<html>", "s3://b/k.out")).toThrow(/s3:\/\/b\/k\.out: the answer is not JSON/);
    expect(() => parsePrediction('{"predictions": [1]}', "ep")).toThrow(/ep: expected a list of class probabilities/);
    expect(() => parsePrediction("[]", "ep")).toThrow(/expected a list/);
    expect(() => parsePrediction('[0.5, "x"]', "ep")).toThrow(/probability 1 is "x", not a number/);
  });
});

describe("labels", () => {
  it("argmax takes the first of equal maxima, like numpy", () => {
    expect(argmax([0.1, 0.4, 0.4, 0.1])).toBe(1);
    expect(() => argmax([])).toThrow(/no values/);
  });

  it("topLabel and the tutorial's result line", () => {
    const p = topLabel([0.1, 0.2, 0.6, 0.1], labels);
    expect(p).toEqual({ index: 2, label: "triangle", probability: 0.6 });
    expect(resultLine(p)).toBe("Result: label - triangle, probability - 0.6");
  });

  it("topK sorts by probability, ties by class index", () => {
    expect(topK([0.1, 0.3, 0.3, 0.3], labels, 3).map((p) => p.label)).toEqual(["square", "triangle", "cross"]);
    expect(topK([0.1, 0.3, 0.5, 0.1], labels, 10)).toHaveLength(4);
    expect(() => topK([0.1, 0.9], labels, 1)).toThrow(/2 class probabilities but 4 category names/);
    expect(() => topK([0.1, 0.3, 0.5, 0.1], labels, 0)).toThrow(/k: 0/);
  });

  it("topKDataFrame is a danfojs DataFrame with rank, label, class index and probability", () => {
    const df = topKDataFrame(topK([0.1, 0.2, 0.6, 0.1], labels, 2));
    expect(df.columns).toEqual(["rank", "label", "class_index", "probability"]);
    expect(df.shape).toEqual([2, 4]);
    expect(dataFrameRows(df)).toEqual([
      { rank: 1, label: "triangle", class_index: 2, probability: 0.6 },
      { rank: 2, label: "square", class_index: 1, probability: 0.2 },
    ]);
  });
});
