import Database from "better-sqlite3";
import { type Context, Hono } from "hono";
import { Kysely } from "kysely";
import {
  AuthenticationBackend,
  authRoutes,
  BearerTransport,
  DatabaseStrategy,
  defineUserFields,
  registerRoutes,
  Tessera,
  UserManager,
  type UserWithFields,
  usersRoutes,
} from "tessera-auth";
import { currentUser, honoRoutes } from "tessera-auth/hono";
import { createSqliteDialect, kyselyAdapter, migrateToLatest } from "tessera-auth/kysely";

// Declared once, then given to the migration, the adapter and Tessera.
export const userFields = defineUserFields({
  displayName: { type: "string", required: true, maxLength: 80 },
  plan: { type: "string", enum: ["free", "pro"], default: "free", writableBy: "superuser" },
  credits: { type: "integer", default: 0, minimum: 0, writableBy: "server" },
});
type Member = UserWithFields<typeof userFields>; // displayName: string | null, plan: "free" | "pro", credits: number

const db = new Kysely<any>({ dialect: createSqliteDialect(new Database(":memory:")) });
await migrateToLatest(db, { userFields }); // adds display_name, plan and credits to `user`
const { users, accessTokens } = kyselyAdapter<"uuid", Member>(db, { userFields });

const userManager = new UserManager(users);
const backend = new AuthenticationBackend({
  name: "database",
  transport: new BearerTransport({ tokenUrl: "auth/login" }),
  getStrategy: () => new DatabaseStrategy(accessTokens, { lifetimeSeconds: 3600 }),
});
const tessera = new Tessera<Member, string, Context>({
  getUserManager: () => userManager,
  backends: [backend],
  userFields,
});

export const app = new Hono();
app.route("/auth", honoRoutes(authRoutes(tessera, backend)));
app.route("/auth", honoRoutes(registerRoutes(tessera))); // display_name required
app.route("/users", honoRoutes(usersRoutes(tessera))); // PATCH: users set display_name, superusers plan
app.get("/balance", currentUser(tessera, { active: true }), (c) => {
  const { displayName, plan, credits } = c.var.user;
  return c.json({ displayName, plan, credits });
});

/** Only your code writes `credits`: typed, and checked against the declaration. */
export async function grantCredits(email: string, amount: number): Promise<Member> {
  const member = await userManager.getByEmail(email);
  return userManager.update({ credits: member.credits + amount }, member);
}
