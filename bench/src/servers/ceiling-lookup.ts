/**
 * What every ceiling server does for `GET /users/me`, hand-written, no library:
 * the bearer header, one SHA-256, one prepared better-sqlite3 JOIN over
 * tessera's tables (the expiry bound and the security stamps compared, as
 * tessera's own lookup does), the same five fields. Each ceiling
 * (ceiling.ts on Hono, ceiling-express.ts, ceiling-fastify.ts) wraps it in its
 * framework's most direct handler.
 */
import { createHash } from "node:crypto";
import Database from "better-sqlite3";

/** What `/users/me` answers: FastAPI Users' UserRead. */
export interface UserRead {
  id: string;
  email: string;
  is_active: true;
  is_superuser: boolean;
  is_verified: boolean;
}

interface Row {
  id: string;
  email: string;
  is_active: number;
  is_superuser: number;
  is_verified: number;
}

export const port = Number(process.env.PORT ?? 8000);
export const hostname = process.env.HOST ?? "127.0.0.1";
/** The SQLite file (the demo's `DATABASE_URL` without `sqlite:`). */
export const file = process.env.DATABASE_FILE ?? "tessera.db";
const lifetimeMs = Number(process.env.TESSERA_TOKEN_LIFETIME ?? 3600) * 1000;

// The demo's connection settings (createSqliteDialect).
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
db.pragma("foreign_keys = ON");
db.pragma("synchronous = NORMAL");
db.pragma("cache_size = -32768");
const userByToken = db.prepare<[string, string], Row>(
  `SELECT u.id, u.email, u.is_active, u.is_superuser, u.is_verified
   FROM accesstoken AS t JOIN "user" AS u ON u.id = t.user_id
   WHERE t.token = ? AND t.security_stamp = u.security_stamp AND t.created_at >= ?`,
);

/** A date as tessera stores it in SQLite: naive UTC text, microseconds. */
function sqliteDate(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** The active user an `Authorization` header authenticates, or null (a 401). */
export function userByBearer(authorization: string | undefined): UserRead | null {
  if (!authorization?.startsWith("Bearer ")) return null;
  const token = createHash("sha256").update(authorization.slice(7)).digest("base64url");
  const row = userByToken.get(token, sqliteDate(new Date(Date.now() - lifetimeMs)));
  if (!row?.is_active) return null;
  return {
    id: row.id,
    email: row.email,
    is_active: true,
    is_superuser: row.is_superuser === 1,
    is_verified: row.is_verified === 1,
  };
}

/** The 401 every ceiling answers. */
export const UNAUTHORIZED = { detail: "Unauthorized" };
