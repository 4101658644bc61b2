/** Signing in to the servers under test, over HTTP as a client would. */

/** The password of every bench user (the demo's rule accepts it). */
export const BENCH_PASSWORD = "correct horse battery";

/** A user's credentials as the scenarios send them. */
export interface Credentials {
  /** `Authorization: Bearer …` for the bearer backend. */
  bearer: Record<string, string>;
  /** `Cookie: fastapiusersauth=…` for the cookie backend. */
  cookie: Record<string, string>;
}

/** Registers `email` on a tessera demo (if it is not yet) and logs in with both backends. */
export async function tesseraCredentials(base: string, email: string): Promise<Credentials> {
  await registerTessera(base, email);
  const form = { username: email, password: BENCH_PASSWORD };
  const login = await post(`${base}/auth/login`, new URLSearchParams(form));
  const { access_token: token } = (await login.json()) as { access_token: string };
  const cookieLogin = await post(`${base}/auth/cookie/login`, new URLSearchParams(form));
  return {
    bearer: { authorization: `Bearer ${token}` },
    cookie: { cookie: firstCookie(cookieLogin, "fastapiusersauth") },
  };
}

/** Registers a user on a tessera demo; an existing one is fine. */
export async function registerTessera(base: string, email: string): Promise<void> {
  const response = await fetch(`${base}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: BENCH_PASSWORD }),
  });
  const body = await response.text();
  if (response.status !== 201 && !body.includes("REGISTER_USER_ALREADY_EXISTS")) {
    throw new Error(`register ${email}: ${response.status} ${body}`);
  }
}

/** Signs up `email` on Better Auth (if it is not yet) and signs in: its session cookie. */
export async function betterAuthCookie(
  base: string,
  email: string,
): Promise<Record<string, string>> {
  const json = (value: unknown) => ({
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify(value),
  });
  const signUp = await fetch(
    `${base}/api/auth/sign-up/email`,
    json({ email, password: BENCH_PASSWORD, name: "Bench" }),
  );
  await signUp.arrayBuffer();
  const signIn = await fetch(
    `${base}/api/auth/sign-in/email`,
    json({ email, password: BENCH_PASSWORD }),
  );
  if (!signIn.ok) throw new Error(`Better Auth sign-in: ${signIn.status} ${await signIn.text()}`);
  return { cookie: firstCookie(signIn, "better-auth.session_token") };
}

async function post(url: string, body: URLSearchParams): Promise<Response> {
  const response = await fetch(url, { method: "POST", body });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response;
}

/** `name=value` of the cookie `name` a response sets. */
function firstCookie(response: Response, name: string): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie in the answer`);
  return cookie.split(";")[0] as string;
}
