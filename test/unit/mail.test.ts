import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import {
  accountEmailHooks,
  ConsoleMailer,
  type MailMessage,
  resetPasswordEmail,
  verifyEmail,
} from "tessera-auth";
import { SmtpMailer } from "tessera-auth/smtp";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const LINKS = {
  resetPasswordUrl: "https://app.example.com/reset?token={token}",
  verifyUrl: "https://app.example.com/verify/{token}",
};

describe("account emails", () => {
  it("put the URL-encoded token in the configured links, in text and HTML", () => {
    const reset = resetPasswordEmail({ email: "ada@example.com" }, "a.b+c", {
      ...LINKS,
      from: "no-reply@example.com",
      appName: "Engines & Co",
    });
    expect(reset).toMatchObject({
      to: "ada@example.com",
      from: "no-reply@example.com",
      subject: "Reset the password of Engines & Co",
    });
    expect(reset.text).toContain("https://app.example.com/reset?token=a.b%2Bc");
    expect(reset.html).toContain('<a href="https://app.example.com/reset?token=a.b%2Bc">');
    expect(reset.html).toContain("Engines &#38; Co");
    expect(reset.html).not.toContain("Engines & Co");
    const verify = verifyEmail({ email: "ada@example.com" }, "tok", LINKS);
    expect(verify.text).toContain("https://app.example.com/verify/tok");
    expect(verify).not.toHaveProperty("from");
  });

  it("accountEmailHooks send through the mailer and insist on {token} in the links", async () => {
    const sent: MailMessage[] = [];
    const hooks = accountEmailHooks({ send: async (m) => void sent.push(m) }, LINKS);
    const user = { id: "1", email: "ada@example.com" } as never;
    await hooks.onAfterForgotPassword?.(user, "r1");
    await hooks.onAfterRequestVerify?.(user, "v1");
    expect(sent.map((m) => m.text.match(/https:\S+/)?.[0])).toEqual([
      "https://app.example.com/reset?token=r1",
      "https://app.example.com/verify/v1",
    ]);
    expect(() =>
      accountEmailHooks({ send: async () => {} }, { ...LINKS, verifyUrl: "https://x.co/" }),
    ).toThrow(/No \{token\}/);
  });
});

describe("ConsoleMailer", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("prints the message", async () => {
    const lines: string[] = [];
    await new ConsoleMailer({ write: (text) => lines.push(text) }).send({
      to: "ada@example.com",
      subject: "Hello",
      text: "Body text",
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("To: ada@example.com\nSubject: Hello\n\nBody text");
  });

  it("refuses to start in production unless told to", () => {
    vi.stubEnv("NODE_ENV", "production");
    expect(() => new ConsoleMailer()).toThrow(/not for production/);
    expect(() => new ConsoleMailer({ allowInProduction: true })).not.toThrow();
  });
});

describe("SmtpMailer against a real SMTP server", () => {
  let server: SMTPServer;
  let port: number;
  let received: { from: string; to: string[]; data: string }[];

  beforeEach(async () => {
    received = [];
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith("@refused.example")) {
          callback(new Error("550 No such user"));
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString(),
          });
          callback();
        });
      },
    });
    server.listen(0, "127.0.0.1");
    await once(server.server, "listening");
    port = (server.server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("delivers a reset email with its link", async () => {
    const mailer = new SmtpMailer({
      transport: { host: "127.0.0.1", port, secure: false, ignoreTLS: true },
      from: "Tessera <no-reply@example.com>",
    });
    await mailer.send(resetPasswordEmail({ email: "ada@example.com" }, "tok-123", LINKS));
    mailer.close();
    expect(received).toHaveLength(1);
    expect(received[0]?.from).toBe("no-reply@example.com");
    expect(received[0]?.to).toEqual(["ada@example.com"]);
    expect(received[0]?.data).toMatch(/^Subject: Reset the password of your account\r?$/m);
    expect(received[0]?.data.replace(/=\r?\n/g, "")).toContain(
      "https://app.example.com/reset?token=tok-123",
    );
  });

  it("takes a URL, and rejects when the server refuses the recipient", async () => {
    const mailer = new SmtpMailer({
      transport: `smtp://127.0.0.1:${port}/?ignoreTLS=true`,
      from: "no-reply@example.com",
    });
    await mailer.send({ to: "bob@example.com", subject: "Hi", text: "Hello Bob" });
    await expect(
      mailer.send({ to: "nobody@refused.example", subject: "Hi", text: "Hello" }),
    ).rejects.toThrow();
    mailer.close();
    expect(received.map((r) => r.to)).toEqual([["bob@example.com"]]);
  });
});
