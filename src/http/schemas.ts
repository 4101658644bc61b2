import type { BodySpec } from "./validation.js";

/** `POST /register` (FastAPI Users' `UserCreate`); the flags are ignored on self-registration. */
export const userCreateSpec = {
  email: { type: "email", required: true, newAddress: true },
  password: { type: "string", required: true },
  is_active: { type: "boolean" },
  is_superuser: { type: "boolean" },
  is_verified: { type: "boolean" },
} as const satisfies BodySpec;

/** `PATCH /users/me` and `PATCH /users/{id}` (`UserUpdate`); `null` leaves a field as is. */
export const userUpdateSpec = {
  email: { type: "email", newAddress: true },
  password: { type: "string" },
  is_active: { type: "boolean" },
  is_superuser: { type: "boolean" },
  is_verified: { type: "boolean" },
} as const satisfies BodySpec;

/** `POST /login` (OAuth2 password form): `username` is the email. */
export const loginFormSpec = {
  grant_type: { type: "string", pattern: "password" },
  username: { type: "string", required: true },
  password: { type: "string", required: true },
  scope: { type: "string" },
  client_id: { type: "string" },
  client_secret: { type: "string" },
} as const satisfies BodySpec;

/** `POST /forgot-password` and `POST /request-verify-token`. */
export const emailSpec = {
  email: { type: "email", required: true },
} as const satisfies BodySpec;

/** `POST /reset-password`. */
export const resetPasswordSpec = {
  token: { type: "string", required: true, description: "The token from the reset email" },
  password: { type: "string", required: true, description: "The new password" },
} as const satisfies BodySpec;

/** `POST /verify`. */
export const verifySpec = {
  token: { type: "string", required: true, description: "The token from the verification email" },
} as const satisfies BodySpec;

/** `POST /refresh`. */
export const refreshSpec = {
  refresh_token: {
    type: "string",
    required: true,
    description: "The refresh token from the last login or refresh",
  },
} as const satisfies BodySpec;
