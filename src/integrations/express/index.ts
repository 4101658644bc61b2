export { currentUser } from "./current-user.js";
export type { ExpressRequestLike } from "./express-request.js";
export { type ExpressErrorHandler, type ExpressHandler, expressRoutes } from "./express-routes.js";
