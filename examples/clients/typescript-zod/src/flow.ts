// The whole SIGN8 flow with the SDK @hey-api/openapi-ts made from sign8-mock's /openapi.json, every JSON answer
// checked against the document's schemas with zod before the flow sees it: AddWorkflow, AddFile (a real PDF),
// AddSigner x2, AddSignature x2, StartWorkflow; the first signer walks the signing journey's JSON steps (the
// one-time code read from the mock's captured SMS); the second refuses; GetWorkflow shows "refused"; GetFile
// downloads the audit report.
//
//   SIGN8_MOCK_URL=http://127.0.0.1:8080 SIGN8_PDF=contract.pdf node dist/flow.js
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { client } from "./client/client.gen.js";
import {
  addFile, addSignature, addSigner, addWorkflow, getFile, getWorkflow, mockListMessages, refuseAsSigner,
  signAsSigner, startWorkflow,
} from "./client/sdk.gen.js";
import type { Signer } from "./client/types.gen.js";

const baseUrl = process.env.SIGN8_MOCK_URL ?? "http://127.0.0.1:8080";
const key = process.env.SIGN8_API_KEY ?? `typescript-zod-client-${randomUUID()}`; // open auth: a fresh organization
const pdf = readFileSync(process.env.SIGN8_PDF ?? "contract.pdf");

let calls = 0;
let json = 0;
client.setConfig({ baseUrl, auth: key, throwOnError: true });
client.interceptors.response.use((response) => {
  calls += 1;
  if (response.ok && (response.headers.get("content-type") ?? "").startsWith("application/json")) json += 1;
  return response;
});

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function tokenOf(signer: Signer): string {
  return signer.signing_url.split("/").pop() ?? "";
}

const { data: wf } = await addWorkflow({ body: { name: "TypeScript zod client lease" }, throwOnError: true });
const { data: file } = await addFile({
  body: { workflow_id: wf.workflow_id, file_name: "lease.pdf", data: pdf.toString("base64") }, throwOnError: true,
});
const { data: ann } = await addSigner({
  body: { workflow_id: wf.workflow_id, email: "ann@example.com", phone: "+4915112345678", first_name: "Ann" },
  throwOnError: true,
});
const { data: bob } = await addSigner({
  body: { workflow_id: wf.workflow_id, email: "bob@example.com", phone: "+4915187654321", first_name: "Bob" },
  throwOnError: true,
});
for (const signer of [ann, bob]) {
  await addSignature({
    body: { workflow_id: wf.workflow_id, file_id: file.file_id, signer_id: signer.signer_id,
            page: 1, x: 72, y: 600, width: 180, height: 50 },
    throwOnError: true,
  });
}
await startWorkflow({ body: { workflow_id: wf.workflow_id }, throwOnError: true });

// The invitation e-mail the mock captured for Ann carries her signing link.
const inbox = (await mockListMessages({ query: { kind: "invitation", to: "ann@example.com" }, throwOnError: true })).data;
const invited = inbox.items.flatMap((m) => m.links.filter((l) => l.rel === "sign").map((l) => l.url));
check(invited.length === 1 && invited[0] === ann.signing_url, `invitation links ${JSON.stringify(invited)}`);

// Ann: the journey's JSON steps, the code read from the captured SMS.
const token = tokenOf(ann);
const { data: signed } = await signAsSigner({ path: { token }, body: {}, throwOnError: true });
check(signed.signer_status === "signed", `Ann signed: ${JSON.stringify(signed)}`);

// Bob refuses: the workflow is refused.
const { data: refused } = await refuseAsSigner({
  path: { token: tokenOf(bob) }, body: { reason: "Wrong rent" }, throwOnError: true,
});
check(refused.workflow_status === "refused", `refused: ${JSON.stringify(refused)}`);

// The audit report appears shortly after the workflow ends: poll GetWorkflow, as with the real service.
const deadline = Date.now() + 30_000;
let { data: detail } = await getWorkflow({ query: { workflow_id: wf.workflow_id }, throwOnError: true });
while (!detail.audit_report_file_id && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  ({ data: detail } = await getWorkflow({ query: { workflow_id: wf.workflow_id }, throwOnError: true }));
}
check(detail.status === "refused", `GetWorkflow status ${detail.status}`);
const reportId = detail.audit_report_file_id;
if (!reportId) throw new Error("no audit report within 30 s");
const { data: report } = await getFile({ query: { file_id: reportId }, parseAs: "blob", throwOnError: true });
// The generated type is `Blob | File`, and `File` there is the document's File schema (a name clash): narrow it.
if (!(report instanceof Blob)) throw new Error("GetFile did not answer bytes");
const bytes = Buffer.from(await report.arrayBuffer());
check(bytes.subarray(0, 5).toString() === "%PDF-", "the audit report is a PDF");
console.log(`typescript-zod flow passed: ${calls} calls, ${json} JSON answers validated by zod, ` +
  `workflow ${detail.status}, audit report ${bytes.length} bytes`);
