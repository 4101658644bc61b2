import { randomBytes } from "node:crypto";
import { getMigrations } from "better-auth/db/migration";
import Database from "better-sqlite3";
import { removeSqliteFile } from "./fill.js";
import { betterAuthOptions } from "./servers/better-auth.js";

const COMMIT_EVERY = 10_000;

/**
 * Makes sure the SQLite file holds Better Auth's tables (created by its own
 * migrations) with at least `users` other users, each with one live session:
 * the same load tessera's tables get. Rows are written in Better Auth's own
 * format (ISO dates, 32-character ids and tokens). Reused when already filled.
 */
export async function fillBetterAuthDatabase(file: string, users: number): Promise<void> {
  if (countSessions(file) >= users) return;
  await removeSqliteFile(file);
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    const { runMigrations } = await getMigrations(
      betterAuthOptions(db, "http://127.0.0.1") as Parameters<typeof getMigrations>[0],
    );
    await runMigrations();
    const insertUser = db.prepare(
      `INSERT INTO "user" (id, name, email, emailVerified, image, createdAt, updatedAt)
       VALUES (?, ?, ?, 0, NULL, ?, ?)`,
    );
    const insertSession = db.prepare(
      `INSERT INTO "session" (id, expiresAt, token, createdAt, updatedAt, ipAddress, userAgent, userId)
       VALUES (?, ?, ?, ?, ?, '', 'bench', ?)`,
    );
    const now = new Date();
    const createdAt = now.toISOString();
    const expiresAt = new Date(now.getTime() + 7 * 86_400_000).toISOString();
    const id = () => randomBytes(24).toString("base64url");
    const fill = db.transaction((first: number, last: number) => {
      for (let i = first; i < last; i++) {
        const userId = id();
        insertUser.run(userId, `User ${i}`, `user${i}@bench.example.com`, createdAt, createdAt);
        insertSession.run(id(), expiresAt, id(), createdAt, createdAt, userId);
      }
    });
    for (let first = 0; first < users; first += COMMIT_EVERY) {
      fill(first, Math.min(users, first + COMMIT_EVERY));
    }
  } finally {
    db.close();
  }
}

function countSessions(file: string): number {
  try {
    const db = new Database(file, { fileMustExist: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM "session"`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}
