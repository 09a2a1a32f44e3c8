// The build's check that the committed generated types are what the generator makes of docs/openapi.json now.
import { readFileSync, rmSync } from "node:fs";

const [committed, fresh] = process.argv.slice(2);
const same = readFileSync(committed, "utf8") === readFileSync(fresh, "utf8");
rmSync(fresh);
if (!same) {
  console.error(`${committed} is stale: docs/openapi.json changed. Run \`npm run generate\` and commit the result.`);
  process.exit(1);
}
