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
  acceptSigningTerms, addFile, addSignature, addSigner, addWorkflow, confirmSigningDetails, confirmSigningDocuments,
  getFile, getSigningPage, getWorkflow, mockListMessages, openSigningDocument, refuseAsSigner, sendSigningCode,
  signAsSigner, startWorkflow,
} from "./client/sdk.gen.js";
import type { Signer } from "./client/types.gen.js";

const baseUrl = process.env.SIGN8_MOCK_URL ?? "http://127.0.0.1:8080";
const key = process.env.SIGN8_API_KEY ?? `typescript-zod-client-${randomUUID()}`; // open auth: a fresh organization
const ANN_PHONE = "+4915112345678";
const pdf = readFileSync(process.env.SIGN8_PDF ?? "contract.pdf");

let calls = 0;
let jsonAnswers = 0;
client.setConfig({ baseUrl, auth: key, throwOnError: true });
client.interceptors.response.use((response) => {
  calls += 1;
  if (response.ok && (response.headers.get("content-type") ?? "").startsWith("application/json")) jsonAnswers += 1;
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
  body: { workflow_id: wf.workflow_id, email: "ann@example.com", phone: ANN_PHONE, first_name: "Ann" },
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

// Ann walks the journey's JSON steps, as the page lists them; the one-time code comes from the captured SMS.
// The signing link answers HTML to a browser: ask for JSON (the SDK sends no Accept header of its own).
const token = tokenOf(ann);
const json = { Accept: "application/json" };
let { data: state } = await getSigningPage({ path: { token }, headers: json, throwOnError: true });
check(state.signer_id === ann.signer_id && state.your_turn === true, `Ann's state: ${JSON.stringify(state)}`);
for (const step of state.steps) {
  if (step === "terms") {
    ({ data: state } = await acceptSigningTerms({ path: { token }, body: { terms: true, privacy: true }, throwOnError: true }));
  } else if (step === "details") {
    ({ data: state } = await confirmSigningDetails({ path: { token }, body: {}, throwOnError: true }));
  } else if (step === "documents") {
    for (const document of state.documents) {
      await openSigningDocument({ path: { token, file_id: document.file_id }, headers: json, throwOnError: true });
    }
    ({ data: state } = await confirmSigningDocuments({ path: { token }, body: {}, throwOnError: true }));
  } else if (step === "code") {
    await sendSigningCode({ path: { token }, body: {}, throwOnError: true });
    const { data: sms } = await mockListMessages({ query: { kind: "tan", to: ANN_PHONE }, throwOnError: true });
    const code = /\b\d{6}\b/.exec(sms.items[0]?.text ?? "")?.[0];
    if (!code) throw new Error(`no code in ${JSON.stringify(sms)}`);
    const { data: signed } = await signAsSigner({ path: { token }, body: { code }, throwOnError: true });
    check(signed.signer_status === "signed", `Ann signed: ${JSON.stringify(signed)}`);
  } else {
    throw new Error(`unexpected step ${step} for an advanced signature without a password`);
  }
}

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
console.log(`typescript-zod flow passed: ${calls} calls, ${jsonAnswers} JSON answers validated by zod, ` +
  `workflow ${detail.status}, audit report ${bytes.length} bytes`);
