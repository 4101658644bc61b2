import type { Mailer, MailMessage } from "./mailer.js";

export interface ConsoleMailerOptions {
  /** Where messages are written. @default console.log */
  write?: (text: string) => void;
  /** Run even when `NODE_ENV` is `production`. @default false */
  allowInProduction?: boolean;
}

/**
 * Prints messages instead of sending them, for development. Emails carry
 * secrets (reset links), so it refuses to start when `NODE_ENV=production`.
 *
 * @example
 * const mailer = new ConsoleMailer();
 */
export class ConsoleMailer implements Mailer {
  readonly #write: (text: string) => void;

  constructor(options: ConsoleMailerOptions = {}) {
    const { write = (text) => console.log(text), allowInProduction = false } = options;
    if (process.env.NODE_ENV === "production" && !allowInProduction) {
      throw new Error("ConsoleMailer prints secrets and is not for production: use SmtpMailer");
    }
    this.#write = write;
  }

  async send(message: MailMessage): Promise<void> {
    const rule = "-".repeat(72);
    const headers = [`To: ${message.to}`, `Subject: ${message.subject}`];
    if (message.from) headers.unshift(`From: ${message.from}`);
    this.#write([rule, ...headers, "", message.text, rule].join("\n"));
  }
}
