import nodemailer, { type Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { Mailer, MailMessage } from "./mailer.js";

export interface SmtpMailerOptions {
  /**
   * The SMTP server: a URL (`smtps://user:pass@smtp.example.com`, `smtp://localhost:2525`)
   * or nodemailer's SMTP transport options.
   */
  transport: string | SMTPTransport.Options;
  /** The sender of messages that name none. */
  from: string;
}

/**
 * Sends email over SMTP with nodemailer (an optional peer dependency: install
 * it to use `tessera-auth/smtp`).
 *
 * @example
 * import { SmtpMailer } from "tessera-auth/smtp";
 * const mailer = new SmtpMailer({ transport: process.env.SMTP_URL, from: "no-reply@example.com" });
 */
export class SmtpMailer implements Mailer {
  readonly #transporter: Transporter<SMTPTransport.SentMessageInfo>;
  readonly #from: string;

  constructor(options: SmtpMailerOptions) {
    this.#transporter = nodemailer.createTransport(options.transport);
    this.#from = options.from;
  }

  async send(message: MailMessage): Promise<void> {
    const { to, from = this.#from, subject, text, html } = message;
    const info = await this.#transporter.sendMail({ to, from, subject, text, html });
    if (info.rejected.length > 0) throw new Error("The SMTP server refused the recipient");
  }

  /** Closes pooled connections. */
  close(): void {
    this.#transporter.close();
  }
}
