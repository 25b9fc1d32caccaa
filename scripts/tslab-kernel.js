#!/usr/bin/env node
/**
 * Kernel launcher of the `tslab` kernelspec that `npm run kernel:install`
 * writes: `node scripts/tslab-kernel.js {connection_file}`.
 *
 * tslab compiles cells with rootDir = its cwd and resolves imports from there,
 * so the kernel runs in this repository's root (notebooks import `./src/...`)
 * whatever directory Jupyter starts it in. TSLAB_KERNEL_CWD overrides that
 * (run-notebook --cwd sets it).
 */
"use strict";
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const connectionFile = process.argv[2];
if (!connectionFile || process.argv.length > 3) {
  console.error("usage: tslab-kernel.js CONNECTION_FILE  (Jupyter passes {connection_file})");
  process.exit(2);
}
// Resolve before changing directory: Jupyter may pass a relative path.
const configPath = path.resolve(connectionFile);
process.chdir(process.env.TSLAB_KERNEL_CWD ? path.resolve(process.env.TSLAB_KERNEL_CWD) : root);

followParent();

const tslabDir = path.join(root, "node_modules", "tslab");
ignoreDirectoryChanges();
serializeSends(require(require.resolve("zeromq", { paths: [tslabDir] })));
const { startKernel } = require(path.join(tslabDir, "dist", "main.js"));
startKernel({
  configPath,
  enableFindLocal: false,
  jsKernel: false,
  globalVersion: require(path.join(tslabDir, "package.json")).version,
});

/**
 * tslab's compiler host allows one pending TypeScript timer. Its watch
 * program also watches `src/` and `node_modules/` recursively (failed module
 * lookups); a .ts/.js/.json file created or edited there while a cell runs
 * arms a second timer, and from then on every cell fails with "Unexpected
 * pending rebuildTimer". Without directory watchers, edits of the files a
 * cell imported are still seen (tslab watches those files one by one); only
 * an import that failed keeps failing until the kernel restarts.
 */
function ignoreDirectoryChanges() {
  const ts = require(path.join(root, "node_modules", "@tslab", "typescript-for-tslab"));
  ts.sys.watchDirectory = () => ({ close() {} });
}

/**
 * tslab sends without waiting for the previous send on the socket. zeromq.js
 * sends synchronously only 512 times in a row; the 513th is deferred, and a
 * send made while it is pending throws EBUSY. On IOPub that lost every
 * 513th-or-so burst: a cell's output and its idle status vanished, and
 * Jupyter showed the kernel busy for good. Here a send that would throw EBUSY,
 * and every send after it, waits for the one in flight; order is kept, and
 * sends that can go at once still go at once (a shutdown reply is sent before
 * tslab closes its sockets in the same tick).
 */
function serializeSends(zmq) {
  for (const Kind of [zmq.Publisher, zmq.Router]) {
    const send = Kind.prototype.send;
    const queues = new WeakMap();
    Object.defineProperty(Kind.prototype, "send", {
      configurable: true,
      writable: true,
      value: function serializedSend(message) {
        let queue = queues.get(this);
        if (!queue) queues.set(this, (queue = { last: Promise.resolve(), waiting: 0 }));
        if (queue.waiting === 0) {
          try {
            return track(queue, send.call(this, message));
          } catch (err) {
            if (err.code !== "EBUSY") throw err;
          }
        }
        queue.waiting++;
        const sent = queue.last.then(() => {
          queue.waiting--;
          return send.call(this, message);
        });
        return track(queue, sent);
      },
    });
  }
  function track(queue, sent) {
    queue.last = sent.catch(() => undefined);
    // tslab drops the promise: report here instead of as an unhandled rejection that would end the kernel.
    sent.catch((err) => require("node:fs").writeSync(2, `tslab-kernel: a kernel message was not sent: ${err.message}\n`));
    return sent;
  }
}

/**
 * Jupyter clients set JPY_PARENT_PID; ipykernel exits when that parent dies,
 * tslab does not. Without this a killed runner (SIGKILL) would leave the
 * kernel and its cells' processes running. The kernel leads its own process
 * group (Jupyter and run-notebook start it with setsid), so the whole group
 * goes. run-notebook also names its private connection-file directory, which
 * nobody else would remove.
 */
function followParent() {
  if (!process.env.JPY_PARENT_PID) return;
  const parent = process.ppid;
  const connectionDir = process.env.RUN_NOTEBOOK_CONNECTION_DIR;
  setInterval(() => {
    if (process.ppid === parent) return;
    if (connectionDir) require("node:fs").rmSync(connectionDir, { recursive: true, force: true });
    try {
      process.kill(-process.pid, "SIGTERM");
    } catch {
      // Not a group leader: only this process exits.
    }
    process.exit(1);
  }, 1000).unref();
}
