// @ts-check
"use strict";
/**
 * Runs one algorithm process of the local SageMaker, as the leader of its own
 * process group: `node launcher.js <program> [args...]`.
 *
 * Why a launcher: the server stops a "container" by signalling the whole group
 * (the algorithm and whatever it spawned), and the group must not outlive the
 * server even when the server is killed with SIGKILL. The launcher holds an IPC
 * channel to the server; when the channel closes without a goodbye (the server
 * died), it kills its group. Plain JavaScript so that it starts in milliseconds.
 */
const { spawn } = require("node:child_process");
const os = require("node:os");

const [program, ...args] = process.argv.slice(2);
if (!program || typeof process.send !== "function") {
  process.stderr.write("launcher.js: usage: spawned by the local SageMaker with an IPC channel: node launcher.js <program> [args...]\n");
  process.exit(2);
}

const child = spawn(program, args, { stdio: ["ignore", "inherit", "inherit"] });

// A SIGTERM to the group reaches the algorithm too; the launcher waits for the algorithm's exit.
process.on("SIGTERM", () => {});
process.on("SIGINT", () => {});

process.on("disconnect", () => {
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    process.exit(137);
  }
});

child.on("error", (e) => {
  process.stderr.write(`Could not start ${program}: ${e.message}\n`);
  process.exit(127);
});

child.on("exit", (code, signal) => {
  const signals = /** @type {Record<string, number>} */ (os.constants.signals);
  process.exit(code ?? 128 + (signal ? signals[signal] ?? 0 : 0));
});
