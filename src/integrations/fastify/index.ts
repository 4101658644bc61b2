export { type Authenticated, currentUser } from "./current-user.js";
export type { FastifyReplyLike } from "./fastify-reply.js";
export type { FastifyRequestLike } from "./fastify-request.js";
export { type FastifyInstanceLike, fastifyRoutes } from "./fastify-routes.js";
