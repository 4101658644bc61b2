import { createInterface } from "node:readline";
import { CliError } from "./cli-error.js";

/**
 * The password from standard input: typed at a prompt that does not echo it on
 * a terminal, else the first line of what is piped in.
 */
export function readPassword(): Promise<string> {
  return process.stdin.isTTY ? promptHidden("password: ") : firstLine();
}

async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) return line;
  } finally {
    lines.close();
  }
  throw new CliError("no password on standard input", 2);
}

const ENTER = new Set(["\r", "\n"]);
const ERASE = new Set(["\u007f", "\b"]);
const INTERRUPT = "\u0003";
const END_OF_INPUT = "\u0004";

/** Reads a line from the terminal in raw mode, so the terminal echoes nothing. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  // Raw mode before the prompt: what is typed once the prompt shows is never echoed.
  input.setRawMode(true);
  output.write(prompt);
  input.setEncoding("utf8");
  input.resume();
  let typed: string[] = [];
  return new Promise((resolve, reject) => {
    const finish = (outcome: () => void) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (ENTER.has(char) || (char === END_OF_INPUT && typed.length > 0)) {
          return finish(() => resolve(typed.join("")));
        }
        if (char === INTERRUPT) {
          // Raw mode turned Ctrl-C into a character: end as the signal would have.
          return finish(() => process.kill(process.pid, "SIGINT"));
        }
        if (char === END_OF_INPUT) {
          return finish(() => reject(new CliError("no password given", 2)));
        }
        if (ERASE.has(char)) typed = typed.slice(0, -1);
        else if (char >= " ") typed.push(char);
      }
    };
    input.on("data", onData);
  });
}
