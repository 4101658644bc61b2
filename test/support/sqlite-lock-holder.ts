import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

/** The second process: takes the write lock, says so, and commits when told to. */
const HOLDER = `
const Database = require("better-sqlite3");
const db = new Database(process.argv[1]);
db.exec("begin immediate");
console.log("locked");
process.stdin.once("data", () => {
  db.exec("commit");
  db.close();
  console.log("released");
  process.exit(0);
});
`;

/**
 * Another process holding a SQLite file's write lock (`begin immediate`), as
 * a CLI or a second server writing would, until {@link release} is called.
 */
export class SqliteLockHolder {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
  ) {}

  /** Resolves once the lock is held. */
  static async hold(path: string): Promise<SqliteLockHolder> {
    const child = spawn(process.execPath, ["-e", HOLDER, path], {
      cwd: process.cwd(),
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[
      Symbol.asyncIterator
    ]();
    const holder = new SqliteLockHolder(child, lines);
    await holder.expectLine("locked");
    return holder;
  }

  /** Commits, and resolves once the lock is released and the process has exited. */
  async release(): Promise<void> {
    const exited = once(this.child, "exit");
    this.child.stdin?.write("release\n");
    await this.expectLine("released");
    await exited;
  }

  /** Ends the process, releasing the lock if it still holds it. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }

  private async expectLine(expected: string): Promise<void> {
    const { value, done } = await this.lines.next();
    if (done || value !== expected) {
      throw new Error(
        `lock holder: expected "${expected}", got ${done ? "its exit" : `"${value}"`}`,
      );
    }
  }
}
