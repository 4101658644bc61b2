import type { User } from "../models.js";

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

/** Options every route group that answers with a user takes. */
export interface UserRoutesOptions<U> {
  /** @default userRead (FastAPI Users' UserRead fields) */
  serializeUser?: UserSerializer<U>;
  /** Bodies over this many bytes get a 413. @default 65536 */
  maxBodySize?: number;
}
