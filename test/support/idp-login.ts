// Drives the demo OpenID provider's pages (demo/idp.ts) over real HTTP, as a browser would:
// fetch with manual redirects and a small cookie jar. Each call is a fresh browser (no session).

export interface Credentials {
  email: string;
  password: string;
}

/** The most a sign-in may take: authorize, login, resume, consent, resume, and some slack. */
const MAX_HOPS = 10;

/**
 * Signs in at the provider from `authorizationUrl`: opens it, fills and posts the login form,
 * follows the provider's own redirects (consent is granted on its own) and returns the URL the
 * provider sends the browser to at the app (its redirect URI with `code` and `state`), without
 * requesting it. Throws when the provider answers anything else: the form again (wrong
 * credentials), an error page, or an error redirect to the app.
 */
export async function signInAtProvider(
  authorizationUrl: string,
  credentials: Credentials,
): Promise<URL> {
  const browser = new Browser(authorizationUrl);
  const form = await browser.openForm(authorizationUrl, "login");
  const next = await browser.submit(form, {
    email: credentials.email,
    password: credentials.password,
  });
  if (next instanceof Page) {
    const alert = /<p class="error" role="alert">([^<]*)<\/p>/.exec(next.html)?.[1];
    throw new Error(
      `the provider did not sign in ${credentials.email}: it answered ${next.status}${alert ? ` "${decodeHtml(alert)}"` : ""} at ${next.url}`,
    );
  }
  const target = await browser.followToApp(next);
  if (!target.searchParams.has("code")) {
    throw new Error(`the provider sent the browser back without a code: ${target}`);
  }
  return target;
}

/**
 * Opens `authorizationUrl`, presses "Cancel" on the login page and returns the URL the provider
 * sends the browser to at the app (its redirect URI with `error=access_denied`), unrequested.
 */
export async function cancelAtProvider(authorizationUrl: string): Promise<URL> {
  const browser = new Browser(authorizationUrl);
  const form = await browser.openForm(authorizationUrl, "cancel");
  const next = await browser.submit(form, {});
  if (next instanceof Page) {
    throw new Error(`the provider answered ${next.status} to Cancel at ${next.url}`);
  }
  const target = await browser.followToApp(next);
  if (target.searchParams.get("error") !== "access_denied") {
    throw new Error(`Cancel did not end in error=access_denied: ${target}`);
  }
  return target;
}

/** An HTML answer of the provider's (not a redirect). */
class Page {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly html: string,
  ) {}
}

interface Form {
  action: string;
}

/** Cookies by name and path, for the provider's origin only (host-only, as it sets them). */
class Browser {
  private readonly origin: string;
  private readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  constructor(authorizationUrl: string) {
    this.origin = new URL(authorizationUrl).origin;
  }

  /** Follows the provider's redirects from `url` to its page holding `<form id="{id}">`. */
  async openForm(url: string, id: string): Promise<Form> {
    const answer = await this.follow(url);
    if (!(answer instanceof Page)) {
      refused(answer);
      throw new Error(
        `the provider sent the browser to the app instead of its login page: ${answer}`,
      );
    }
    const tag = new RegExp(`<form id="${id}" method="post" action="([^"]+)">`).exec(answer.html);
    if (answer.status !== 200 || !tag?.[1]) {
      throw new Error(
        `expected the provider's login page at ${answer.url}, got ${answer.status}: ${text(answer.html)}`,
      );
    }
    return { action: new URL(decodeHtml(tag[1]), answer.url).href };
  }

  /** Posts the form; a redirect is followed by the caller, a page is returned. */
  async submit(form: Form, fields: Record<string, string>): Promise<URL | Page> {
    return this.request(form.action, { method: "POST", body: new URLSearchParams(fields) });
  }

  /** Follows the provider's redirects until one leaves for another origin (the app's). */
  async followToApp(location: URL): Promise<URL> {
    const answer = await this.follow(location.href);
    if (answer instanceof Page) {
      throw new Error(
        `the provider stopped at ${answer.url} with ${answer.status}: ${text(answer.html)}`,
      );
    }
    if (answer.searchParams.get("error") !== "access_denied") refused(answer);
    return answer;
  }

  /** GETs `url` and the provider's redirects after it; the app's URL is returned unrequested. */
  private async follow(url: string): Promise<URL | Page> {
    let next: URL | Page = new URL(url);
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (next instanceof Page || next.origin !== this.origin) return next;
      next = await this.request(next.href, { method: "GET" });
    }
    throw new Error(`more than ${MAX_HOPS} redirects from ${url}`);
  }

  private async request(url: string, init: RequestInit): Promise<URL | Page> {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { cookie: this.cookieHeader(new URL(url).pathname) },
    });
    this.store(response.headers.getSetCookie());
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      return new URL(location, url);
    }
    return new Page(url, response.status, await response.text());
  }

  private cookieHeader(path: string): string {
    return [...this.cookies.values()]
      .filter((cookie) => path === cookie.path || path.startsWith(cookie.path.replace(/\/?$/, "/")))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join("; ");
  }

  private store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const equals = pair.indexOf("=");
      const name = pair.slice(0, equals);
      const value = pair.slice(equals + 1);
      const attribute = (key: string) =>
        attributes.find((part) => part.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attribute("path") ?? "/";
      const expires = attribute("expires");
      const expired =
        attribute("max-age") === "0" ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      const key = `${name};${path}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }
}

/** Throws when the provider sent the browser back to the app with an error. */
function refused(redirect: URL): void {
  const error = redirect.searchParams.get("error");
  if (error === null) return;
  const description = redirect.searchParams.get("error_description") ?? "";
  throw new Error(`the provider refused the request: ${error} (${description}): ${redirect}`);
}

function decodeHtml(html: string): string {
  return html
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** A page's text, short, for an error message. */
function text(html: string): string {
  return decodeHtml(html.replace(/<style>[\s\S]*?<\/style>|<[^>]+>/g, " "))
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}
