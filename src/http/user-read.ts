import type { User } from "../core/models.js";
import type { ResolvedUserField } from "../users/user-fields.js";

/** Turns a user into its public JSON. Never include `hashedPassword`. */
export type UserSerializer<U> = (user: U) => Record<string, unknown>;

/** FastAPI Users' `UserRead`: id, email and the three flags, in snake_case. */
export function userRead(user: User<unknown>): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    is_active: user.isActive,
    is_superuser: user.isSuperuser,
    is_verified: user.isVerified,
  };
}

/** {@link userRead} with the custom fields that are `returned`, under their JSON names. */
export function userReader(fields: readonly ResolvedUserField[]): UserSerializer<User<unknown>> {
  const returned = fields.filter((field) => field.returned);
  if (returned.length === 0) return userRead;
  return (user) => {
    const json = userRead(user);
    const values = user as unknown as Record<string, unknown>;
    for (const field of returned) json[field.json] = values[field.name] ?? null;
    return json;
  };
}

/** Options every route group that answers with a user takes. */
export interface UserRoutesOptions<U> {
  /** @default the contract's `UserRead` fields and the custom fields that are `returned` */
  serializeUser?: UserSerializer<U>;
  /** Bodies over this many bytes get a 413. @default 65536 */
  maxBodySize?: number;
}
