// @hey-api/openapi-ts: a fetch SDK whose every JSON answer is checked against the document's schemas with zod.
import { defineConfig } from "@hey-api/openapi-ts";

export default defineConfig({
  input: process.env.SIGN8_OPENAPI ?? "http://127.0.0.1:8080/openapi.json",
  // Node runs ES modules: imports between the generated files need their .js extension.
  output: { path: "src/client", importFileExtension: ".js" },
  plugins: [
    "@hey-api/client-fetch",
    "zod",
    { name: "@hey-api/sdk", validator: { response: "zod" } },
  ],
});
