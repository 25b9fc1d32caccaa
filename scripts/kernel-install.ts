/**
 * `npm run kernel:install [-- --prefix DIR] [-- --uninstall]`: registers this
 * repository's tslab kernel with Jupyter as `tslab` ("TypeScript (tslab)").
 */
import { installKernel, kernelDir, uninstallKernel } from "../src/runner/kernel-install";

const USAGE = `Usage: npm run kernel:install [-- --prefix DIR] [-- --uninstall]

Writes the kernelspec 'tslab' (TypeScript (tslab)) that starts this
repository's tslab kernel from the repository root, into the user's Jupyter
data dir (JUPYTER_DATA_DIR, else ~/.local/share/jupyter), or into
DIR/share/jupyter with --prefix. Run it again after moving the repository.`;

function main(argv: string[]): number {
  let prefix: string | undefined;
  let uninstall = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      return 0;
    } else if (arg === "--uninstall") uninstall = true;
    else if (arg === "--user") prefix = undefined;
    else if (arg === "--prefix" && i + 1 < argv.length) prefix = argv[++i];
    else if (arg.startsWith("--prefix=")) prefix = arg.slice("--prefix=".length);
    else {
      console.error(`${USAGE}\n\nError: unknown or incomplete option ${arg}.`);
      return 2;
    }
  }
  if (uninstall) {
    const removed = uninstallKernel({ prefix });
    console.log(removed ? `Removed kernelspec tslab from ${kernelDir({ prefix })}` : `No kernelspec tslab in ${kernelDir({ prefix })}; nothing to remove.`);
    return 0;
  }
  const dir = installKernel({ prefix });
  console.log(`Installed kernelspec tslab (TypeScript (tslab)) in ${dir}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
