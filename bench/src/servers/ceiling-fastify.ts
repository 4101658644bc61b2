/**
 * The ceiling on Fastify 5 (the version the example app runs), with its
 * defaults as examples/fastify/app.ts has them: one hand-written route on
 * `/users/me` doing ceiling-lookup.ts's lookup and returning the object
 * (Fastify serializes it).
 */
import Fastify from "fastify";
import { hostname, port, UNAUTHORIZED, userByBearer } from "./ceiling-lookup.js";

const app = Fastify();
app.get("/health", async () => ({ ok: true }));
app.get("/users/me", async (request, reply) => {
  const user = userByBearer(request.headers.authorization);
  return user ?? reply.code(401).send(UNAUTHORIZED);
});

await app.listen({ port, host: hostname });
process.on("SIGTERM", () => {
  app.close().then(() => process.exit(0));
});
