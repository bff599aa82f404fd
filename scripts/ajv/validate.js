// Validate JSON documents against a JSON Schema (draft 2020-12) with ajv in strict mode, as VS Code's
// YAML extension does. Usage: node validate.js SCHEMA.json < documents.json
// stdin: a JSON array of documents; stdout: a JSON array with, per document, {valid, errors}.
// A schema ajv refuses to compile prints {"schema_error": "..."} and exits 2.
"use strict";
const fs = require("fs");
const path = require("path");
const here = process.env.SOCIALPOST_AJV_DIR || __dirname;
const Ajv2020 = require(path.join(here, "node_modules", "ajv", "dist", "2020")).default;
const addFormats = require(path.join(here, "node_modules", "ajv-formats")).default;

const schema = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, unicodeRegExp: true });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(schema);
} catch (err) {
  process.stdout.write(JSON.stringify({ schema_error: String(err.message) }));
  process.exit(2);
}
const documents = JSON.parse(fs.readFileSync(0, "utf8"));
const results = documents.map((doc) => {
  const valid = validate(doc);
  return { valid, errors: valid ? [] : validate.errors.map((e) => ({ path: e.instancePath, keyword: e.keyword, message: e.message, params: e.params })) };
});
process.stdout.write(JSON.stringify(results));
