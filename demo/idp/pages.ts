// The HTML pages of the demo's OpenID provider: plain forms, no script, every echoed value escaped.

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 22rem; margin: 3rem auto; padding: 0 1rem; }
label { display: block; margin-top: 0.8rem; }
input { display: block; width: 100%; box-sizing: border-box; padding: 0.4rem; }
button { margin-top: 1rem; padding: 0.4rem 1rem; }
.error { color: #b00020; }
.note { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export interface LoginPageOptions {
  /** The interaction's uid: the forms post to `/interaction/{uid}/login` and `/abort`. */
  uid: string;
  /** The app asking, shown as "Sign in to continue to …". */
  clientName: string;
  /** The email typed before, kept in the form after a wrong password. */
  email?: string;
  /** Shown above the form ("Wrong email or password"). */
  error?: string;
}

/** The login form: "Email", "Password", a "Sign in" button, and "Cancel" (access_denied). */
export function loginPage({ uid, clientName, email = "", error }: LoginPageOptions): string {
  const base = `/interaction/${encodeURIComponent(uid)}`;
  return page(
    "Sign in",
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(clientName)}</strong></p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form id="login" method="post" action="${escapeHtml(`${base}/login`)}">
<label for="email">Email</label>
<input id="email" name="email" type="text" inputmode="email" autocomplete="username" required autofocus value="${escapeHtml(email)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<form id="cancel" method="post" action="${escapeHtml(`${base}/abort`)}">
<button type="submit">Cancel</button>
</form>
<p class="note">A local test provider: see <code>npm run idp</code> for its users.</p>`,
  );
}

/** A page that only says something (an expired interaction, a provider error). */
export function messagePage(title: string, lines: string[]): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>\n${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n")}`,
  );
}

/** RP-initiated logout's question; `form` is oidc-provider's own hidden form (id "op.logoutForm"). */
export function logoutPage(host: string, form: string): string {
  return page(
    "Sign out",
    `<h1>Sign out of ${escapeHtml(host)}?</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}
