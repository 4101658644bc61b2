/**
 * The ceiling on Express 5 (the version the example app runs): the app as
 * examples/express/app.ts builds it (`x-powered-by` off, `express.json()` in
 * front of every route), and one hand-written handler on `/users/me` doing
 * ceiling-lookup.ts's lookup and answering with `res.json`. ETags are off: an
 * ETag costs a SHA-1 of every body, and tessera's Express routes send none.
 */
import express from "express";
import { hostname, port, UNAUTHORIZED, userByBearer } from "./ceiling-lookup.js";

const app = express();
app.disable("x-powered-by");
app.disable("etag");
app.use(express.json());
app.get("/health", (_req, res) => {
  res.json({ ok: true });
});
app.get("/users/me", (req, res) => {
  const user = userByBearer(req.headers.authorization);
  if (user) res.json(user);
  else res.status(401).json(UNAUTHORIZED);
});

const server = app.listen(port, hostname);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
