import type { User } from "../core/models.js";
import type { UserManagerHooks } from "../users/user-manager.js";
import type { Mailer, MailMessage } from "./mailer.js";

export interface AccountEmailOptions {
  /**
   * The link a reset email points to; `{token}` is replaced by the token,
   * URL-encoded. For example `https://app.example.com/reset-password?token={token}`.
   */
  resetPasswordUrl: string;
  /** The link a verification email points to, with `{token}` as above. */
  verifyUrl: string;
  /** @default the mailer's default sender */
  from?: string;
  /** Named in subjects and bodies. @default "your account" */
  appName?: string;
  /** Said in the emails; keep it equal to the managers' token lifetimes. @default 60 */
  expiresInMinutes?: number;
}

/** The reset-password email for a user and token. */
export function resetPasswordEmail(
  user: Pick<User<unknown>, "email">,
  token: string,
  options: AccountEmailOptions,
): MailMessage {
  const { appName = "your account", expiresInMinutes = 60 } = options;
  const link = fillLink(options.resetPasswordUrl, token);
  return message(user.email, options.from, `Reset the password of ${appName}`, [
    `Someone asked to reset the password of ${appName} for ${user.email}.`,
    `To choose a new password, open this link within ${expiresInMinutes} minutes:`,
    link,
    "If it was not you, ignore this email: your password stays as it is.",
  ]);
}

/** The email-verification email for a user and token. */
export function verifyEmail(
  user: Pick<User<unknown>, "email">,
  token: string,
  options: AccountEmailOptions,
): MailMessage {
  const { appName = "your account", expiresInMinutes = 60 } = options;
  const link = fillLink(options.verifyUrl, token);
  return message(user.email, options.from, `Verify your email for ${appName}`, [
    `Please confirm that ${user.email} is your address for ${appName}.`,
    `Open this link within ${expiresInMinutes} minutes:`,
    link,
    "If you did not sign up, ignore this email.",
  ]);
}

/**
 * The manager hooks that email reset and verification links through a mailer.
 *
 * @example
 * const manager = new UserManager(users, {
 *   resetPasswordTokenSecret: secret,
 *   verificationTokenSecret: secret,
 *   hooks: {
 *     ...accountEmailHooks(new SmtpMailer({ transport: process.env.SMTP_URL, from: "no-reply@example.com" }), {
 *       resetPasswordUrl: "https://app.example.com/reset-password?token={token}",
 *       verifyUrl: "https://app.example.com/verify?token={token}",
 *     }),
 *   },
 * });
 */
export function accountEmailHooks<U extends User<unknown>>(
  mailer: Mailer,
  options: AccountEmailOptions,
): Pick<UserManagerHooks<U>, "onAfterForgotPassword" | "onAfterRequestVerify"> {
  for (const template of [options.resetPasswordUrl, options.verifyUrl]) {
    if (!template.includes("{token}")) throw new TypeError(`No {token} in the link ${template}`);
  }
  return {
    onAfterForgotPassword: (user, token) => mailer.send(resetPasswordEmail(user, token, options)),
    onAfterRequestVerify: (user, token) => mailer.send(verifyEmail(user, token, options)),
  };
}

function fillLink(template: string, token: string): string {
  return template.replaceAll("{token}", encodeURIComponent(token));
}

function message(
  to: string,
  from: string | undefined,
  subject: string,
  paragraphs: string[],
): MailMessage {
  const html = paragraphs
    .map((paragraph) =>
      /^https?:\/\//.test(paragraph)
        ? `<p><a href="${escapeHtml(paragraph)}">${escapeHtml(paragraph)}</a></p>`
        : `<p>${escapeHtml(paragraph)}</p>`,
    )
    .join("\n");
  return {
    to,
    ...(from === undefined ? {} : { from }),
    subject,
    text: paragraphs.join("\n\n"),
    html,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
