// One password-hashing thread of HashingPool (hashing-pool.ts), run as a
// worker. Plain CommonJS so it runs as it is from src/ and dist/ alike. Each
// message is one job; the answer is { value, ms } or { error }, `ms` the time
// the job took here (not the thread's start nor any wait for it).
const { parentPort, workerData } = require("node:worker_threads");
const { setPriority } = require("node:os");
const argon2 = require("@node-rs/argon2");
const bcrypt = require("@node-rs/bcrypt");

// On Linux a thread has its own nice value: lowering this one leaves the
// event loop's thread first in line for the CPU while hashes run.
if (workerData.nice > 0) {
  try {
    setPriority(workerData.nice);
  } catch {
    // Not permitted here: hash at normal priority.
  }
}

function run(job) {
  switch (job.op) {
    case "argon2-hash":
      return argon2.hashSync(job.password, job.options);
    case "argon2-verify":
      return argon2.verifySync(job.hash, job.password);
    case "bcrypt-verify":
      return bcrypt.verifySync(job.password, job.hash);
    default:
      throw new TypeError(`unknown hashing job ${job.op}`);
  }
}

parentPort.on("message", (job) => {
  try {
    const started = performance.now();
    const value = run(job);
    parentPort.postMessage({ value, ms: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
