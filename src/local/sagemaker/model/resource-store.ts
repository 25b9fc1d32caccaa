/**
 * Persistent resources of one kind (training jobs, models, ...): a JSON file
 * per resource under `<dataDir>/sagemaker/state/<kind>/`, written atomically,
 * cached in memory. Names are looked up case-insensitively, as SageMaker does
 * (its ARNs carry the lower-cased name).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../../../system/atomic-file";

export interface StoredResource {
  name: string;
}

export class ResourceStore<T extends StoredResource> {
  private readonly items = new Map<string, T>();

  constructor(private readonly dir: string) {}

  /** Reads every stored resource; files that do not parse are set aside as `<file>.corrupt`. */
  load(): string[] {
    this.items.clear();
    const problems: string[] = [];
    fs.mkdirSync(this.dir, { recursive: true });
    for (const file of fs.readdirSync(this.dir).filter((f) => f.endsWith(".json"))) {
      const full = path.join(this.dir, file);
      try {
        const item = JSON.parse(fs.readFileSync(full, "utf8")) as T;
        this.items.set(item.name.toLowerCase(), item);
      } catch (e) {
        problems.push(`${full}: ${(e as Error).message}`);
        fs.renameSync(full, `${full}.corrupt`);
      }
    }
    return problems;
  }

  get(name: string): T | undefined {
    return this.items.get(name.toLowerCase());
  }

  all(): T[] {
    return [...this.items.values()];
  }

  /** Stores the resource (replacing one of the same name), on disk first. */
  put(item: T): T {
    writeFileAtomic(this.file(item.name), JSON.stringify(item));
    this.items.set(item.name.toLowerCase(), item);
    return item;
  }

  delete(name: string): void {
    fs.rmSync(this.file(name), { force: true });
    this.items.delete(name.toLowerCase());
  }

  private file(name: string): string {
    // Names match [a-zA-Z0-9-]: safe as file names.
    return path.join(this.dir, `${name.toLowerCase()}.json`);
  }
}
