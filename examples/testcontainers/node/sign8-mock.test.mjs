// sign8-mock started from a Node test with Testcontainers (GenericContainer): wait for /_mock/health, walk a flow,
// and check that workflowRefused reached a webhook receiver in this test.
//
//   SIGN8_MOCK_IMAGE=localhost/sign8-mock:latest node --test
//
// Host networking: the mock listens on 127.0.0.1:<free port> of this machine and reaches the receiver on
// 127.0.0.1 too (Linux; with Docker Desktop, expose 8080 and give the webhook_url host.docker.internal instead).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { GenericContainer, getContainerRuntimeClient } from "testcontainers";

const IMAGE = process.env.SIGN8_MOCK_IMAGE ?? "localhost/sign8-mock:latest";
const PDF = process.env.SIGN8_PDF ?? "contract.pdf"; // any real PDF

/** A free TCP port on 127.0.0.1 for the mock (host networking: no port mapping). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Testcontainers' wait strategy interface: ready once GET /_mock/health answers 200. */
class MockHealth {
  constructor(url) { this.url = url; this.timeout = 60_000; this.set = false; }
  withStartupTimeout(ms) { this.timeout = ms; this.set = true; return this; }
  isStartupTimeoutSet() { return this.set; }
  getStartupTimeout() { return this.timeout; }
  async waitUntilReady() {
    const deadline = Date.now() + this.timeout;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/_mock/health`)).status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`no /_mock/health 200 within ${this.timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The receiver: remembers each webhook and wakes whoever waits for it. */
function startReceiver() {
  const hooks = [];
  const waiting = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      hooks.push({ path: req.url, headers: req.headers, body: JSON.parse(body || "null") });
      res.writeHead(200).end();
      waiting.splice(0).forEach((wake) => wake());
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    server,
    url: `http://127.0.0.1:${server.address().port}`,
    async waitFor(suffix, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hook = hooks.find((h) => h.path.endsWith(suffix));
        if (hook) return hook;
        if (Date.now() > deadline) throw new Error(`no webhook ${suffix} within ${ms} ms`);
        await new Promise((wake) => { waiting.push(wake); setTimeout(wake, deadline - Date.now()); });
      }
    },
  })));
}

let engine = true;
try {
  await getContainerRuntimeClient();
} catch (error) {
  engine = false;
  console.log(`SKIPPED: no container engine can run containers here (${String(error.message).split("\n")[0]})`);
}

let container;
let receiver;
let base;

before(async () => {
  if (!engine) return;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  receiver = await startReceiver();
  container = await new GenericContainer(IMAGE)
    .withNetworkMode("host")
    .withEnvironment({
      SIGN8_MOCK_HOST: "127.0.0.1",
      SIGN8_MOCK_PORT: String(port),
      SIGN8_MOCK_PUBLIC_URL: base,
      SIGN8_MOCK_DB: ":memory:",
    })
    .withHealthCheck({ test: ["NONE"] }) // podman without systemd cannot schedule the image's HEALTHCHECK
    .withWaitStrategy(new MockHealth(base))
    .start();
});

after(async () => {
  await container?.stop();
  receiver?.server.close();
});

test("a refusal in the container reaches the webhook receiver", { skip: !engine }, async () => {
  const key = `testcontainers-node-${randomUUID()}`;
  async function api(operation, body) {
    const res = await fetch(`${base}/api/workflow/${operation}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `${operation} answered ${res.status}: ${await res.clone().text()}`);
    return res.json();
  }
  const health = await (await fetch(`${base}/_mock/health`)).json();
  assert.equal(health.status, "ok");

  const wf = await api("AddWorkflow", { name: "Testcontainers lease", webhook_url: receiver.url });
  const file = await api("AddFile", {
    workflow_id: wf.workflow_id, file_name: "lease.pdf", data: readFileSync(PDF).toString("base64"),
  });
  const signer = await api("AddSigner", { workflow_id: wf.workflow_id, email: "ann@example.com", phone: "+4915112345678" });
  await api("AddSignature", { workflow_id: wf.workflow_id, file_id: file.file_id, signer_id: signer.signer_id,
                              page: 1, x: 72, y: 600, width: 180, height: 50 });
  await api("StartWorkflow", { workflow_id: wf.workflow_id });

  const refused = await fetch(`${signer.signing_url}/refuse`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ reason: "Wrong rent" }),
  });
  assert.equal(refused.status, 200);

  const hook = await receiver.waitFor("/api/workflow/workflowRefused", 15_000);
  assert.equal(hook.body.workflow_id, wf.workflow_id);
  assert.equal(hook.body.reason, "Wrong rent");
  assert.equal(hook.headers["organisation_id"], wf.organization_id);
  const got = await fetch(`${base}/api/workflow/GetWorkflow?workflow_id=${wf.workflow_id}`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  assert.equal((await got.json()).status, "refused");
  console.log(`testcontainers node: ${IMAGE} healthy, flow walked, workflowRefused received`);
});
