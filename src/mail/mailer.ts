/** One email, in text and optionally HTML. */
export interface MailMessage {
  to: string;
  /** Falls back on the mailer's default sender. */
  from?: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Delivers email. tessera ships {@link ConsoleMailer} (development) and
 * `SmtpMailer` (`tessera-auth/smtp`); implement it to use an email API instead.
 */
export interface Mailer {
  /** Resolves once the message is accepted for delivery; rejects if it is not. */
  send(message: MailMessage): Promise<void>;
}
