import { dirname, join } from "node:path";

/** The bench folder (`bench/`), whether this runs from `src` or from `dist`. */
export const BENCH_DIR = dirname(import.meta.dirname);
export const ROOT_DIR = dirname(BENCH_DIR);
/** Pre-filled databases, kept between runs (git-ignored). */
export const DATA_DIR = join(BENCH_DIR, ".data");
export const RESULTS_DIR = join(BENCH_DIR, "results");
/** The compiled bench (servers and helper processes). */
export const DIST_DIR = join(BENCH_DIR, "dist");
/**
 * The demo and the example apps, compiled to JavaScript as an application would ship them,
 * inside the package's own folder, so that `import "tessera-auth"` finds the built library.
 */
export const APP_DIST_DIR = join(ROOT_DIR, ".bench-app");
export const DEMO_SERVER = join(APP_DIST_DIR, "demo", "server.js");
/** The example servers (examples/<framework>/server.ts), compiled beside the demo. */
export const exampleServer = (framework: "hono" | "express" | "fastify") =>
  join(APP_DIST_DIR, "examples", framework, "server.js");
