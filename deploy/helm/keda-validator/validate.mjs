// Validates the KEDA objects (ScaledObject, TriggerAuthentication) in rendered manifests against KEDA's CRD types,
// as published in @kubernetes-models/keda: field types and required fields (unknown fields are not caught).
// Usage: node validate.mjs PREFIX FILE...   (PREFIX: where `npm ci` installed this folder's package-lock.json)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [prefix, ...files] = process.argv.slice(2);
const yaml = createRequire(join(prefix, "package.json"))("js-yaml");
// The package is ES modules only, and names this entry point in its exports.
const keda = await import(pathToFileURL(join(prefix, "node_modules/@kubernetes-models/keda/keda.sh/v1alpha1/index.js")));

let valid = 0, invalid = 0;
for (const file of files) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (!doc || doc.apiVersion !== "keda.sh/v1alpha1") continue;
    const Model = keda[doc.kind];
    try {
      if (!Model) throw new Error(`no KEDA model for kind ${doc.kind}`);
      new Model(doc).validate();
      valid++;
    } catch (e) {
      invalid++;
      console.log(`${file} - ${doc.kind} ${doc.metadata?.name} is invalid: ${e.message}`);
    }
  }
}
console.log(`KEDA: ${valid + invalid} resources - Valid: ${valid}, Invalid: ${invalid}`);
process.exit(invalid ? 1 : 0);
