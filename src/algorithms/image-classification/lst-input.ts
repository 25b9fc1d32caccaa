/**
 * Image-format input (a folder of images plus a .lst file): packed into a
 * RecordIO file first, as the real algorithm does ("Creating record files
 * for x.lst"), with the shorter side resized to the `resize` hyperparameter.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FormatError } from "../../formats/errors";
import { packRecordFile } from "../../formats/im2rec";
import { parseLst } from "../../formats/lst";
import { ClientError } from "./errors";
import type { AlgorithmLog } from "./log";

export async function packListChannel(
  channel: string,
  input: { lst: string; root: string },
  outDir: string,
  options: { resize: number; multiLabel: boolean },
  log: AlgorithmLog,
): Promise<string> {
  const name = path.basename(input.lst);
  log.info(`Creating record files for ${name}`);
  try {
    const items = parseLst(fs.readFileSync(input.lst, "utf8"), `${name} (channel '${channel}_lst')`);
    if (items.length === 0) throw new ClientError(`${name} in channel '${channel}_lst' lists no images.`);
    const out = path.join(outDir, `${channel}-${name.replace(/\.lst$/i, "")}`);
    const result = await packRecordFile(items, input.root, out, { resize: options.resize, quality: 95, packLabel: options.multiLabel });
    log.info("Done creating record files...");
    return result.recPath;
  } catch (e) {
    if (e instanceof FormatError) throw new ClientError(`Channel '${channel}' (listed in ${name}): ${e.message}`);
    throw e;
  }
}
