import { runDrizzleConformance } from "./drizzle-conformance.js";
import { runKyselyConformance } from "./kysely-conformance.js";

runKyselyConformance("sqlite");
runDrizzleConformance("sqlite");
