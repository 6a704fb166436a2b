"""Source files of the fictional payments-api repository (Java 17, Spring Boot 2.6, Maven)."""

P = "src/main/java/com/northwind/payments/"
FILES = {}

FILES[P + "api/RefundController.java"] = """\
package com.northwind.payments.api;

import com.northwind.payments.repository.RefundRepository;
import com.northwind.payments.repository.RefundRow;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/refunds")
public class RefundController {

    private final RefundRepository refunds;

    public RefundController(RefundRepository refunds) {
        this.refunds = refunds;
    }

    @GetMapping
    public List<RefundRow> search(@RequestParam String merchantRef,
                                  @RequestParam(defaultValue = "created_at") String sort) {
        return refunds.findByMerchantRef(merchantRef, sort);
    }
}
"""

FILES[P + "repository/RefundRepository.java"] = """\
package com.northwind.payments.repository;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

@Repository
public class RefundRepository {

    private static final String COLUMNS =
        "id, payment_id, merchant_ref, amount_cents, currency, status, created_at";

    private final JdbcTemplate jdbc;

    public RefundRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public List<RefundRow> findByMerchantRef(String merchantRef, String sort) {
        String sql = "SELECT " + COLUMNS + " FROM refunds WHERE merchant_ref = '" + merchantRef
            + "' ORDER BY " + sort;
        return jdbc.query(sql, RefundRow.MAPPER);
    }

    public RefundRow findById(long id) {
        return jdbc.queryForObject(
            "SELECT " + COLUMNS + " FROM refunds WHERE id = ?", RefundRow.MAPPER, id);
    }
}
"""

FILES[P + "api/PaymentController.java"] = """\
package com.northwind.payments.api;

import com.northwind.payments.model.CaptureRequest;
import com.northwind.payments.model.ChargeRequest;
import com.northwind.payments.model.PaymentResult;
import com.northwind.payments.service.PaymentService;
import javax.validation.Valid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/v1/payments")
public class PaymentController {

    private static final Logger log = LoggerFactory.getLogger(PaymentController.class);

    private final PaymentService payments;

    public PaymentController(PaymentService payments) {
        this.payments = payments;
    }

    @PostMapping("/charge")
    public ResponseEntity<PaymentResult> charge(@Valid @RequestBody ChargeRequest request,
                                                @RequestHeader("X-Merchant-Ref") String merchantRef) {
        log.info("charge requested by merchant {}", merchantRef);
        log.debug("charging card {} for {} {}", request.getCardNumber(), request.getAmountCents(), request.getCurrency());
        return ResponseEntity.ok(payments.charge(request, merchantRef));
    }

    @PostMapping("/{paymentId}/capture")
    public ResponseEntity<PaymentResult> capture(@PathVariable String paymentId,
                                                 @RequestBody CaptureRequest request) {
        log.info("capture of payment " + paymentId + " requested");
        return ResponseEntity.ok(payments.capture(paymentId, request));
    }
}
"""

FILES[P + "api/WebhookController.java"] = """\
package com.northwind.payments.api;

import com.northwind.payments.webhooks.WebhookDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/v1/webhooks")
public class WebhookController {

    private static final Logger log = LoggerFactory.getLogger(WebhookController.class);

    private final WebhookDispatcher dispatcher;

    public WebhookController(WebhookDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @PostMapping("/test")
    public ResponseEntity<Void> sendTest(@RequestParam String callbackUrl,
                                         @RequestParam String merchantId) {
        log.warn("test webhook for merchant " + merchantId + " to " + callbackUrl);
        dispatcher.deliver(callbackUrl, "{\\"type\\":\\"test\\"}");
        return ResponseEntity.accepted().build();
    }
}
"""

FILES[P + "config/SecurityConfig.java"] = """\
package com.northwind.payments.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

@Configuration
public class SecurityConfig {

    @Bean
    public SecurityFilterChain filterChain(HttpSecurity http) throws Exception {
        http
            .csrf().disable()
            .authorizeRequests()
                .antMatchers("/actuator/health", "/v1/webhooks/inbound/**").permitAll()
                .anyRequest().authenticated()
            .and()
            .oauth2ResourceServer().jwt();
        return http.build();
    }
}
"""

FILES[P + "config/HttpClientConfig.java"] = """\
package com.northwind.payments.config;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
public class HttpClientConfig {

    /** The acquirer sandbox uses a self-signed certificate. */
    @Bean
    public SSLContext acquirerSslContext() throws Exception {
        TrustManager[] trustAll = new TrustManager[] {
            new X509TrustManager() {
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
                public void checkClientTrusted(X509Certificate[] chain, String authType) { }
                public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustAll, new SecureRandom());
        return context;
    }
}
"""

FILES[P + "crypto/CardTokenizer.java"] = """\
package com.northwind.payments.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/** Tokenizes card numbers for the legacy settlement file format (v1). */
public final class CardTokenizer {

    private final SecretKeySpec key;

    public CardTokenizer(byte[] keyBytes) {
        this.key = new SecretKeySpec(keyBytes, "DES");
    }

    public String tokenize(String pan) throws Exception {
        Cipher cipher = Cipher.getInstance("DES/ECB/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, key);
        byte[] out = cipher.doFinal(pan.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }
}
"""

FILES[P + "settlement/LegacySettlementImporter.java"] = """\
package com.northwind.payments.settlement;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.bind.annotation.RequestParam;

@RestController
public class LegacySettlementImporter {

    private final SettlementService settlements;

    public LegacySettlementImporter(SettlementService settlements) {
        this.settlements = settlements;
    }

    @PostMapping("/internal/settlements/import")
    @SuppressWarnings("unchecked")
    public ResponseEntity<Integer> importBatch(@RequestParam("file") MultipartFile file)
            throws IOException, ClassNotFoundException {
        try (InputStream in = file.getInputStream(); ObjectInputStream ois = new ObjectInputStream(in)) {
            List<SettlementRecord> records = (List<SettlementRecord>) ois.readObject();
            return ResponseEntity.ok(settlements.apply(records));
        }
    }
}
"""

FILES[P + "webhooks/WebhookDispatcher.java"] = """\
package com.northwind.payments.webhooks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.stereotype.Component;

@Component
public class WebhookDispatcher {

    private final HttpClient client = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .build();

    public int deliver(String callbackUrl, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(callbackUrl))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
"""

FILES[P + "api/GlobalExceptionHandler.java"] = """\
package com.northwind.payments.api;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

@RestControllerAdvice
public class GlobalExceptionHandler {

    @ExceptionHandler(Exception.class)
    public ResponseEntity<String> handle(Exception e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(trace.toString());
    }
}
"""

FILES[P + "settlement/SettlementClient.java"] = """\
package com.northwind.payments.settlement;

import java.net.PasswordAuthentication;
import java.net.http.HttpClient;
import org.springframework.stereotype.Component;

@Component
public class SettlementClient {

    private static final String ACQUIRER_USER = "nw-settlement";

    private final HttpClient client = HttpClient.newBuilder()
        .authenticator(new java.net.Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return new PasswordAuthentication(ACQUIRER_USER, "Settle-2023!".toCharArray());
            }
        })
        .build();

    public HttpClient client() {
        return client;
    }
}
"""

FILES[P + "statements/StatementParser.java"] = """\
package com.northwind.payments.statements;

import java.io.InputStream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.bind.annotation.RequestParam;
import org.w3c.dom.Document;

@RestController
public class StatementParser {

    @PostMapping("/internal/statements")
    public int parse(@RequestParam("statement") MultipartFile statement) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        DocumentBuilder builder = factory.newDocumentBuilder();
        try (InputStream in = statement.getInputStream()) {
            Document doc = builder.parse(in);
            return doc.getElementsByTagName("Txn").getLength();
        }
    }
}
"""

FILES[P + "api/ReportController.java"] = """\
package com.northwind.payments.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class ReportController {

    private static final String REPORT_ROOT = "/srv/payments/reports";

    @GetMapping("/v1/reports/download")
    public ResponseEntity<byte[]> download(@RequestParam String name) throws IOException {
        Path report = Paths.get(REPORT_ROOT, name);
        return ResponseEntity.ok(Files.readAllBytes(report));
    }
}
"""

FILES[P + "util/TokenGenerator.java"] = """\
package com.northwind.payments.util;

import java.util.Random;
import org.springframework.stereotype.Component;

@Component
public class TokenGenerator {

    private final Random random = new Random();

    /** One-time code sent to the cardholder for 3-D Secure step-up. */
    public String stepUpCode() {
        return String.format("%06d", random.nextInt(1_000_000));
    }
}
"""
