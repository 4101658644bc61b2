export { type AuthRouterOptions, authRouter } from "./auth-router.js";
export { type AuthVariables, currentUser } from "./current-user.js";
export { type ApiDocsRouterOptions, apiDocsRouter } from "./openapi/api-docs-router.js";
export { type OpenApiDocumentOptions, openApiDocument } from "./openapi/openapi-document.js";
export {
  type DocumentedBackend,
  describeRoutes,
  type ErrorDetail,
  type JsonSchema,
  type ResponseDoc,
  type RouteDoc,
  routeDocsOf,
} from "./openapi/route-docs.js";
export { registerRouter } from "./register-router.js";
export { type ResetPasswordRouterOptions, resetPasswordRouter } from "./reset-password-router.js";
export { handleError, methodNotAllowed, notFound } from "./responses.js";
export { type UserRouterOptions, type UserSerializer, userRead } from "./user-read.js";
export { type UsersRouterOptions, usersRouter } from "./users-router.js";
export type { BodySpec, FieldSpec, ValidationErrorItem } from "./validation.js";
export { verifyRouter } from "./verify-router.js";
