// The whole SIGN8 flow through the Java client openapi-generator (library native) made from sign8-mock's
// /openapi.json: AddWorkflow, AddFile (a real PDF), AddSigner x2, AddSignature x2, StartWorkflow; the first
// signer walks the signing journey's JSON steps (the one-time code read from the mock's captured SMS); the
// second refuses; GetWorkflow shows "refused"; GetFile downloads the audit report.
//
//   SIGN8_MOCK_URL=http://127.0.0.1:8080 SIGN8_PDF=contract.pdf java -cp <classes and jars> Flow

import eu.sign8.client.ApiClient;
import eu.sign8.client.ApiException;
import eu.sign8.client.api.MockMessagesApi;
import eu.sign8.client.api.SigningApi;
import eu.sign8.client.api.WorkflowApi;
import eu.sign8.client.model.*;

import java.io.File;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Flow {
    static final AtomicInteger calls = new AtomicInteger();
    static final String ANN_PHONE = "+4915112345678";
    // A journey step without fields takes an empty JSON object.
    static final Map<String, Object> NO_FIELDS = Map.of();

    static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("check failed: " + what);
        }
    }

    static String tokenOf(Signer signer) {
        String url = signer.getSigningUrl().toString();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    public static void main(String[] args) throws Exception {
        String baseUrl = System.getenv().getOrDefault("SIGN8_MOCK_URL", "http://127.0.0.1:8080");
        String key = System.getenv().getOrDefault("SIGN8_API_KEY", "java-client-" + UUID.randomUUID());
        byte[] pdf = Files.readAllBytes(Path.of(System.getenv().getOrDefault("SIGN8_PDF", "contract.pdf")));

        ApiClient client = new ApiClient();
        client.updateBaseUri(baseUrl);
        // The API key as a bearer token (the signing link's operations need none and ignore it).
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + key));
        client.setResponseInterceptor(response -> calls.incrementAndGet());
        WorkflowApi api = new WorkflowApi(client);
        SigningApi signing = new SigningApi(client);
        MockMessagesApi messages = new MockMessagesApi(client);

        Workflow wf = api.addWorkflow(new AddWorkflowArgs().name("Java client lease"));
        ModelFile file = api.addFile(new AddFileJsonArgs().workflowId(wf.getWorkflowId()).fileName("lease.pdf").data(pdf));
        Signer ann = api.addSigner(new AddSignerArgs().workflowId(wf.getWorkflowId()).email("ann@example.com")
                .phone(ANN_PHONE).firstName("Ann"));
        Signer bob = api.addSigner(new AddSignerArgs().workflowId(wf.getWorkflowId()).email("bob@example.com")
                .phone("+4915187654321").firstName("Bob"));
        for (Signer signer : new Signer[] {ann, bob}) {
            api.addSignature(new AddSignatureArgs().workflowId(wf.getWorkflowId()).fileId(file.getFileId())
                    .signerId(signer.getSignerId()).page(1).x(new BigDecimal(72)).y(new BigDecimal(600))
                    .width(new BigDecimal(180)).height(new BigDecimal(50)));
        }
        api.startWorkflow(new WorkflowIdArgs().workflowId(wf.getWorkflowId()));

        // The invitation e-mail the mock captured for Ann carries her signing link.
        MessageList inbox = messages.mockListMessages(null, null, "ann@example.com", "invitation", null, null);
        check(inbox.getItems().stream().flatMap(m -> m.getLinks().stream()).filter(l -> "sign".equals(l.getRel()))
                .map(l -> l.getUrl().toString()).toList().equals(java.util.List.of(ann.getSigningUrl().toString())),
                "the invitation carries Ann's signing link: " + inbox);

        // Ann walks the journey's JSON steps, as the page lists them; the one-time code comes from the captured SMS.
        String token = tokenOf(ann);
        SignerState state = signing.getSigningPage(token);
        check(state.getSignerId().equals(ann.getSignerId()) && Boolean.TRUE.equals(state.getYourTurn()), "Ann's turn: " + state);
        for (var step : state.getSteps()) {
            switch (step.getValue()) {
                case "terms" -> state = signing.acceptSigningTerms(token, new TermsArgs().terms(true).privacy(true));
                case "details" -> state = signing.confirmSigningDetails(token, NO_FIELDS);
                case "documents" -> {
                    for (var document : state.getDocuments()) {
                        signing.openSigningDocument(token, document.getFileId());
                    }
                    state = signing.confirmSigningDocuments(token, NO_FIELDS);
                }
                case "code" -> {
                    signing.sendSigningCode(token, NO_FIELDS);
                    MessageList sms = messages.mockListMessages(null, null, ANN_PHONE, "tan", null, null);
                    Matcher code = Pattern.compile("\\b\\d{6}\\b").matcher(sms.getItems().get(0).getText());
                    check(code.find(), "a code in the SMS: " + sms);
                    SigningResult signed = signing.signAsSigner(token, new SignArgs().code(code.group()));
                    check("signed".equals(signed.getSignerStatus().getValue()), "Ann signed: " + signed);
                }
                default -> throw new IllegalStateException("unexpected step " + step);
            }
        }

        // Bob refuses: the workflow is refused.
        SigningResult refused = signing.refuseAsSigner(tokenOf(bob), new RefusalArgs().reason("Wrong rent"));
        check("refused".equals(refused.getWorkflowStatus().getValue()), "refused: " + refused);

        // The audit report appears shortly after the workflow ends: poll GetWorkflow, as with the real service.
        long deadline = System.nanoTime() + 30_000_000_000L;
        WorkflowDetail detail = api.getWorkflow(wf.getWorkflowId());
        while (detail.getAuditReportFileId() == null && System.nanoTime() < deadline) {
            Thread.sleep(100);
            detail = api.getWorkflow(wf.getWorkflowId());
        }
        check("refused".equals(detail.getStatus().getValue()), "GetWorkflow status " + detail.getStatus());
        check(detail.getAuditReportFileId() != null, "an audit report within 30 s");
        File report = api.getFile(detail.getAuditReportFileId());
        byte[] data = Files.readAllBytes(report.toPath());
        check(new String(data, 0, 5).equals("%PDF-"), "the audit report is a PDF");
        System.out.printf("java flow passed: %d calls, workflow %s, audit report %d bytes%n",
                calls.get(), detail.getStatus().getValue(), data.length);
    }
}
