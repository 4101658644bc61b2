import { runKyselyConformance } from "./kysely-conformance.js";

runKyselyConformance("postgres");
