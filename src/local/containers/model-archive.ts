/** model.tar.gz, as SageMaker packs `model/` after training and unpacks it into a serving container's `model/`. */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import * as tar from "tar";

/** Packs the contents of `modelDir` (not the directory itself) into a gzipped tar at `file`. */
export async function packModel(modelDir: string, file: string): Promise<void> {
  const entries = fs.readdirSync(modelDir).sort();
  if (entries.length === 0) {
    // An empty tar archive is two zero blocks.
    fs.writeFileSync(file, zlib.gzipSync(Buffer.alloc(1024)));
    return;
  }
  await tar.create({ gzip: true, file, cwd: modelDir, portable: true }, entries);
}

/** Unpacks a model.tar.gz into `dir`; entries that would land outside it are refused by tar. */
export async function extractModel(file: string, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await tar.extract({ file, cwd: dir, strict: true });
}
