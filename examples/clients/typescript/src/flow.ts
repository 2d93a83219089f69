// The whole SIGN8 flow with openapi-fetch and the types openapi-typescript made from sign8-mock's /openapi.json:
// AddWorkflow, AddFile (a real PDF), AddSigner x2, AddSignature x2, StartWorkflow; the first signer walks the
// signing journey's JSON steps (the one-time code read from the mock's captured SMS); the second refuses;
// GetWorkflow shows "refused"; GetFile downloads the audit report.
//
//   SIGN8_MOCK_URL=http://127.0.0.1:8080 SIGN8_PDF=contract.pdf node dist/flow.js
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./sign8.js";

type Signer = components["schemas"]["Signer"];

const baseUrl = process.env.SIGN8_MOCK_URL ?? "http://127.0.0.1:8080";
const key = process.env.SIGN8_API_KEY ?? `typescript-client-${randomUUID()}`; // open auth: a fresh organization
const ANN_PHONE = "+4915112345678";
const pdf = readFileSync(process.env.SIGN8_PDF ?? "contract.pdf");

let calls = 0;
const counter: Middleware = {
  onResponse() {
    calls += 1;
  },
};
// JSON answers (the second type argument): the signing link's operations also answer HTML to a browser, and ask for
// JSON with Accept (openapi-fetch sends no Accept header of its own). GetFile reads bytes with parseAs.
const api = createClient<paths, "application/json">({
  baseUrl, headers: { Authorization: `Bearer ${key}`, Accept: "application/json" },
});
api.use(counter);

/** The answer's data, or stop with the documented error. */
function ok<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.data === undefined) {
    throw new Error(`${answer.response.url} answered ${answer.response.status}: ${JSON.stringify(answer.error)}`);
  }
  return answer.data;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function tokenOf(signer: Signer): string {
  return signer.signing_url.split("/").pop() ?? "";
}

const wf = ok(await api.POST("/api/workflow/AddWorkflow", { body: { name: "TypeScript client lease" } }));
const file = ok(await api.POST("/api/workflow/AddFile", {
  body: { workflow_id: wf.workflow_id, file_name: "lease.pdf", data: pdf.toString("base64") },
}));
const ann = ok(await api.POST("/api/workflow/AddSigner", {
  body: { workflow_id: wf.workflow_id, email: "ann@example.com", phone: ANN_PHONE, first_name: "Ann" },
}));
const bob = ok(await api.POST("/api/workflow/AddSigner", {
  body: { workflow_id: wf.workflow_id, email: "bob@example.com", phone: "+4915187654321", first_name: "Bob" },
}));
for (const signer of [ann, bob]) {
  ok(await api.POST("/api/workflow/AddSignature", {
    body: { workflow_id: wf.workflow_id, file_id: file.file_id, signer_id: signer.signer_id,
            page: 1, x: 72, y: 600, width: 180, height: 50 },
  }));
}
ok(await api.POST("/api/workflow/StartWorkflow", { body: { workflow_id: wf.workflow_id } }));

// The invitation e-mail the mock captured for Ann carries her signing link.
const inbox = ok(await api.GET("/_mock/messages", { params: { query: { kind: "invitation", to: "ann@example.com" } } }));
const invited = inbox.items.flatMap((m) => m.links.filter((l) => l.rel === "sign").map((l) => l.url));
check(invited.length === 1 && invited[0] === ann.signing_url, `invitation links ${JSON.stringify(invited)}`);

// Ann walks the journey's JSON steps, as the page lists them; the one-time code comes from the captured SMS.
const token = tokenOf(ann);
const path = { path: { token } };
let state = ok(await api.GET("/sign/{token}", { params: path }));
check(state.signer_id === ann.signer_id && state.your_turn === true, `Ann's state: ${JSON.stringify(state)}`);
for (const step of state.steps) {
  if (step === "terms") {
    state = ok(await api.POST("/sign/{token}/terms", { params: path, body: { terms: true, privacy: true } }));
  } else if (step === "details") {
    state = ok(await api.POST("/sign/{token}/details", { params: path, body: {} }));
  } else if (step === "documents") {
    for (const document of state.documents) {
      ok(await api.GET("/sign/{token}/documents/{file_id}", { params: { path: { token, file_id: document.file_id } } }));
    }
    state = ok(await api.POST("/sign/{token}/documents", { params: path, body: {} }));
  } else if (step === "code") {
    ok(await api.POST("/sign/{token}/code", { params: path, body: {} }));
    const sms = ok(await api.GET("/_mock/messages", { params: { query: { kind: "tan", to: ANN_PHONE } } }));
    const code = /\b\d{6}\b/.exec(sms.items[0]?.text ?? "")?.[0];
    if (!code) throw new Error(`no code in ${JSON.stringify(sms)}`);
    const signed = ok(await api.POST("/sign/{token}/sign", { params: path, body: { code } }));
    check(signed.signer_status === "signed", `Ann signed: ${JSON.stringify(signed)}`);
  } else {
    throw new Error(`unexpected step ${step} for an advanced signature without a password`);
  }
}

// Bob refuses: the workflow is refused.
const refused = ok(await api.POST("/sign/{token}/refuse", {
  params: { path: { token: tokenOf(bob) } }, body: { reason: "Wrong rent" },
}));
check(refused.workflow_status === "refused", `refused: ${JSON.stringify(refused)}`);

// The audit report appears shortly after the workflow ends: poll GetWorkflow, as with the real service.
const deadline = Date.now() + 30_000;
let detail = ok(await api.GET("/api/workflow/GetWorkflow", { params: { query: { workflow_id: wf.workflow_id } } }));
while (!detail.audit_report_file_id && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  detail = ok(await api.GET("/api/workflow/GetWorkflow", { params: { query: { workflow_id: wf.workflow_id } } }));
}
check(detail.status === "refused", `GetWorkflow status ${detail.status}`);
const reportId = detail.audit_report_file_id;
if (!reportId) throw new Error("no audit report within 30 s");
const report = ok(await api.GET("/api/workflow/GetFile", {
  params: { query: { file_id: reportId } }, parseAs: "arrayBuffer",
}));
const bytes = Buffer.from(report);
check(bytes.subarray(0, 5).toString() === "%PDF-", "the audit report is a PDF");
console.log(`typescript flow passed: ${calls} calls, workflow ${detail.status}, audit report ${bytes.length} bytes`);
