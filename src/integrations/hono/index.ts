export { type AuthVariables, currentUser } from "./current-user.js";
export { honoRoutes } from "./hono-routes.js";
