import { runDrizzleConformance } from "./drizzle-conformance.js";
import { runKyselyConformance } from "./kysely-conformance.js";

runKyselyConformance("mysql");
runDrizzleConformance("mysql");
