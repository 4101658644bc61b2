export { type AuthRouterOptions, authRouter } from "./auth-router.js";
export { type AuthVariables, currentUser } from "./current-user.js";
export { registerRouter } from "./register-router.js";
export { handleError, methodNotAllowed, notFound } from "./responses.js";
export { type UserRouterOptions, type UserSerializer, userRead } from "./user-read.js";
export { type UsersRouterOptions, usersRouter } from "./users-router.js";
export type { ValidationErrorItem } from "./validation.js";
