import { createInterface } from "node:readline/promises";

/**
 * The password from standard input: one line typed at a prompt on a terminal,
 * or everything piped in (trailing newline removed).
 */
export async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await prompt.question("password: ");
    } finally {
      prompt.close();
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
