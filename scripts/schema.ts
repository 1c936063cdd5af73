/**
 * Writes `schema.json` (the Pulumi package schema of the native plugin) from the resource
 * descriptions. Run by `npm run schema`; a fast test fails when the committed file differs.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { resourceDescriptions } from "../provider/core/descriptions";
import { schemaText } from "../provider/plugin/schema";

const file = join(__dirname, "..", "schema.json");
writeFileSync(file, schemaText(resourceDescriptions()));
console.log(`wrote ${file}`);
