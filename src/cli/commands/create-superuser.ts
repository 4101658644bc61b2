import { InvalidPasswordException, UserAlreadyExists } from "../../core/errors.js";
import { normalizeEmail } from "../../users/email.js";
import { defaultPasswordPolicy } from "../../users/password-policy.js";
import { UserManager } from "../../users/user-manager.js";
import type { CliSchema } from "../cli-config.js";
import { CliError } from "../cli-error.js";
import { withDatabase } from "../open-database.js";
import { readPassword } from "../read-password.js";

export interface CreateSuperuserInput {
  databaseUrl: string;
  schema: CliSchema;
  email: string | undefined;
  password: string | undefined;
}

/** Creates an active, verified superuser, so an admin exists without SQL. */
export async function createSuperuser(input: CreateSuperuserInput): Promise<void> {
  if (!input.email) throw new CliError("--email is required", 2);
  const email = normalizeEmail(input.email);
  if (email === null) throw new CliError(`"${input.email}" is not a valid email address`, 2);
  const password = input.password ?? (await readPassword());
  try {
    defaultPasswordPolicy(password, { email });
  } catch (error) {
    if (error instanceof InvalidPasswordException) throw new CliError(error.reason, 2);
    throw error;
  }

  await withDatabase(input.databaseUrl, input.schema, async ({ users }) => {
    const manager = new UserManager(users);
    try {
      const user = await manager.create({
        email,
        password,
        isActive: true,
        isSuperuser: true,
        isVerified: true,
      });
      process.stdout.write(`created superuser ${user.email} (id ${user.id})\n`);
    } catch (error) {
      if (error instanceof UserAlreadyExists) {
        throw new CliError(`a user with the email ${email} already exists`);
      }
      throw error;
    }
  });
}
