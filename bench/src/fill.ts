import { randomBytes, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { sql } from "kysely";
import { connect, kyselyAdapter, migrateToLatest, PasswordHelper } from "./tessera.js";

/** Rows per INSERT: 6 parameters each, well under every engine's limit. */
const BATCH = 1000;
/** Rows per transaction, so a long fill commits as it goes. */
const COMMIT_EVERY = 50_000;

/**
 * Makes sure the database at `url` holds tessera's tables with at least `users`
 * other users, each with one valid-looking access token. A database that already
 * holds them is reused (filling 10^6 rows takes a while); one that holds fewer
 * is emptied and filled again. Rows go through the library's own engine encoding
 * (dates, booleans), so every engine gets what tessera itself would write.
 */
export async function fillTesseraDatabase(url: string, users: number): Promise<void> {
  const sqliteFile = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : null;
  let connection = await connect(url);
  try {
    if ((await countTokens(connection.db)) >= users) return;
    if (sqliteFile) {
      await connection.close();
      await removeSqliteFile(sqliteFile);
      connection = await connect(url);
      // Random keys into four indexes: a bigger page cache than the default 2 MB saves most of the I/O.
      await sql`PRAGMA cache_size = -262144`.execute(connection.db);
    } else {
      // Everything tessera made, its migration bookkeeping included, so the migrations run afresh.
      for (const table of [
        "revocationlog",
        "refreshtoken",
        "accesstoken",
        "user",
        "tessera_migration",
        "tessera_migration_lock",
        "tessera_migration_adoption",
      ]) {
        await connection.db.schema.dropTable(table).ifExists().execute();
      }
    }
    await migrateToLatest(connection.db);
    const engine = kyselyAdapter(connection.db).users.schema.engine;
    const hashedPassword = await new PasswordHelper().hash(randomBytes(16).toString("base64url"));
    const createdAt = engine.encodeDate(new Date());
    const yes = engine.encodeBoolean(true);
    const no = engine.encodeBoolean(false);

    for (let start = 0; start < users; start += COMMIT_EVERY) {
      const end = Math.min(users, start + COMMIT_EVERY);
      await connection.db.transaction().execute(async (trx) => {
        for (let first = start; first < end; first += BATCH) {
          const ids: string[] = [];
          const userRows = [];
          for (let i = first; i < Math.min(end, first + BATCH); i++) {
            const id = randomUUID();
            ids.push(id);
            userRows.push({
              id,
              email: `user${i}@bench.example.com`,
              hashed_password: hashedPassword,
              is_active: yes,
              is_superuser: no,
              is_verified: no,
            });
          }
          await trx.insertInto("user").values(userRows).execute();
          // The stored form of a token is a SHA-256 digest: random bytes look the same.
          const tokenRows = ids.map((id) => ({
            token: randomBytes(32).toString("base64url"),
            user_id: id,
            created_at: createdAt,
          }));
          await trx.insertInto("accesstoken").values(tokenRows).execute();
        }
      });
    }
  } finally {
    await connection.close();
  }
}

async function countTokens(db: Awaited<ReturnType<typeof connect>>["db"]): Promise<number> {
  try {
    const row = await db
      .selectFrom("accesstoken")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  } catch {
    return 0; // no table yet
  }
}

/** Deletes a SQLite database and its WAL files. */
export async function removeSqliteFile(file: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm"]) await rm(`${file}${suffix}`, { force: true });
}
