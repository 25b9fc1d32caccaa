/** Training metrics read from an algorithm's log lines, as SageMaker's MetricDefinitions do. */
import type { MetricDefinition } from "./registry";

export interface MetricDatum {
  MetricName: string;
  Value: number;
  /** Epoch milliseconds of the log line. */
  Timestamp: number;
}

/** SageMaker keeps at most 40 final metrics. */
const MAX_METRICS = 40;

export class MetricParser {
  private readonly rules: { name: string; re: RegExp }[];
  private readonly last = new Map<string, MetricDatum>();

  /** Regexes must compile (the caller validates request-supplied ones first). Later definitions of a name win. */
  constructor(definitions: MetricDefinition[]) {
    const byName = new Map(definitions.map((d) => [d.Name, d.Regex]));
    this.rules = [...byName].slice(0, MAX_METRICS).map(([name, regex]) => ({ name, re: new RegExp(regex) }));
  }

  /** Returns true when the line carried a metric. */
  feed(line: string, at: number): boolean {
    let found = false;
    for (const { name, re } of this.rules) {
      const m = re.exec(line);
      const value = m ? Number.parseFloat(m[1] ?? m[0]) : Number.NaN;
      if (Number.isFinite(value)) {
        this.last.set(name, { MetricName: name, Value: value, Timestamp: at });
        found = true;
      }
    }
    return found;
  }

  /** The last value of every metric seen, in definition order. */
  final(): MetricDatum[] {
    return this.rules.flatMap(({ name }) => this.last.get(name) ?? []);
  }
}
