import {
  defaultPasswordPolicy,
  InvalidPasswordException,
  type User,
  type UserCreate,
} from "tessera-auth";

/**
 * FastAPI Users' documented example rule (8 characters at least, and not containing the
 * email), with its reasons, which the contract's suite reads; then tessera's default rule
 * (a 1024-character cap, the email in another case or the part before its `@`).
 */
export function validatePassword(password: string, user: UserCreate | User): void {
  if ([...password].length < 8) {
    throw new InvalidPasswordException("Password should be at least 8 characters");
  }
  if (password.includes(user.email)) {
    throw new InvalidPasswordException("Password should not contain e-mail");
  }
  defaultPasswordPolicy(password, user);
}
