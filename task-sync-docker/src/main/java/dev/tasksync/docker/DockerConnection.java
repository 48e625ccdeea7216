package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the Docker engine is and how to talk to it. Connecting is lazy: nothing happens until a
 * Docker step runs (or {@link #apiVersion()} / {@link #isAvailable()} is called). The API version is
 * negotiated on first use: the lower of what the engine supports and what this client knows
 * ({@value #CLIENT_MAX_API_VERSION}), so it works with old engines (Debian's 20.10 speaks 1.41) and with
 * current ones that refuse anything below 1.44.
 *
 * <pre>{@code
 * DockerConnection docker = DockerConnection.fromEnvironment();        // DOCKER_HOST, DOCKER_TLS_VERIFY, ...
 * DockerConnection remote = DockerConnection.builder().host("tcp://build-box:2376")
 *         .tlsVerify(true).certPath("/home/me/.docker/certs").build();
 * TaskSync ts = TaskSync.builder().embedded().stepType(DockerStepTypes.all(remote)).build();
 * }</pre>
 */
public final class DockerConnection implements AutoCloseable {
    /** The highest Docker API version this client speaks. */
    public static final String CLIENT_MAX_API_VERSION = "1.44";
    /** Default time allowed to open a connection to the engine. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String host;
    private final Boolean tlsVerify;
    private final String certPath;
    private final String config;
    private final String fixedApiVersion;
    private final Duration connectTimeout;

    private DockerClient client;
    private DockerHttpClient http;
    private String apiVersion;
    private boolean closed;
    private volatile String engineId;

    private DockerConnection(Builder b) {
        this.host = b.host;
        this.tlsVerify = b.tlsVerify;
        this.certPath = b.certPath;
        this.config = b.config;
        this.fixedApiVersion = b.apiVersion;
        this.connectTimeout = b.connectTimeout;
    }

    /**
     * The engine named by the standard environment ({@code DOCKER_HOST}, {@code DOCKER_TLS_VERIFY},
     * {@code DOCKER_CERT_PATH}, {@code DOCKER_CONFIG}, optionally {@code DOCKER_API_VERSION}), or the local
     * socket {@code unix:///var/run/docker.sock} when they are not set.
     */
    public static DockerConnection fromEnvironment() {
        return builder().build();
    }

    /** The engine at a Docker host address such as {@code unix:///var/run/docker.sock} or {@code tcp://host:2375}. */
    public static DockerConnection of(String dockerHost) {
        return builder().host(dockerHost).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a connection; anything not set comes from the standard DOCKER_* environment. */
    public static final class Builder {
        private String host;
        private Boolean tlsVerify;
        private String certPath;
        private String config;
        private String apiVersion;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

        private Builder() {
        }

        /** The engine address, e.g. {@code unix:///var/run/docker.sock} or {@code tcp://host:2376}. */
        public Builder host(String host) {
            this.host = requireText(host, "host");
            return this;
        }

        public Builder tlsVerify(boolean tlsVerify) {
            this.tlsVerify = tlsVerify;
            return this;
        }

        /** Directory holding ca.pem, cert.pem and key.pem for TLS. */
        public Builder certPath(String certPath) {
            this.certPath = requireText(certPath, "certPath");
            return this;
        }

        /** The Docker client configuration directory (registry credentials), like {@code DOCKER_CONFIG}. */
        public Builder config(String configDirectory) {
            this.config = requireText(configDirectory, "config");
            return this;
        }

        /** Pins the API version (e.g. {@code "1.41"}) instead of negotiating it. */
        public Builder apiVersion(String apiVersion) {
            requireText(apiVersion, "apiVersion");
            ApiVersions.parse(apiVersion);
            this.apiVersion = apiVersion;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive");
            }
            this.connectTimeout = connectTimeout;
            return this;
        }

        public DockerConnection build() {
            return new DockerConnection(this);
        }

        private static String requireText(String value, String name) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }
    }

    /** The engine address this connection uses, e.g. {@code unix:///var/run/docker.sock}. */
    public String host() {
        return config(null).getDockerHost().toString();
    }

    /** The API version in use: negotiated with the engine on first call (which contacts it). */
    public synchronized String apiVersion() {
        client();
        return apiVersion;
    }

    /**
     * The engine's ID (from its {@code /info}, with its root directory: {@code ID@/var/lib/docker}): what tells engines apart, so that a step that uses an image or
     * container another step left on one engine runs there. Asked once; throws when the engine does not answer.
     */
    public String engineId() {
        String id = engineId;
        if (id == null) {
            var info = client().infoCmd().exec();
            if (info.getId() == null || info.getId().isBlank()) {
                throw new DockerStepException("the Docker engine at " + describeHost() + " did not say its ID");
            }
            // Engines before 23 derive the ID from /etc/docker/key.json: two engines of one machine share it, but
            // not their root directory.
            id = info.getDockerRootDir() == null ? info.getId() : info.getId() + "@" + info.getDockerRootDir();
            engineId = id;
        }
        return id;
    }

    /** True when the engine answers a ping. */
    public boolean isAvailable() {
        try {
            client().pingCmd().exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Closes the client and its HTTP connections, for good: a later use fails saying so. Streams still open (a
     * container's output being followed) end. A connection {@link DockerStepTypes#all(DockerConnection)} was given
     * stays its caller's to close; the one the ServiceLoader types share is closed with their TaskSync instance.
     */
    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly(client);
        closeQuietly(http);
        client = null;
        http = null;
    }

    /** True until {@link #close()}. */
    public synchronized boolean isOpen() {
        return !closed;
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public String toString() {
        return "DockerConnection[" + describeHost() + "]";
    }

    String describeHost() {
        try {
            return host();
        } catch (RuntimeException e) {
            return host == null ? "the environment's DOCKER_HOST" : host;
        }
    }

    /** The docker-java client, created (and the API version negotiated) on first use. */
    synchronized DockerClient client() {
        if (client != null) {
            return client;
        }
        if (closed) {
            throw new DockerStepException("the connection to the Docker engine at " + describeHost() + " is closed");
        }
        DockerClientConfig bootstrap = config(null);
        DockerHttpClient transport = new ApacheDockerHttpClient.Builder()
                .dockerHost(bootstrap.getDockerHost())
                .sslConfig(bootstrap.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(connectTimeout)
                .build();
        String version;
        try {
            version = fixedApiVersion != null ? fixedApiVersion
                    : Optional.ofNullable(System.getenv("DOCKER_API_VERSION")).filter(v -> !v.isBlank())
                            .orElseGet(() -> negotiate(transport, bootstrap.getDockerHost().toString()));
        } catch (RuntimeException e) {
            closeQuietly(transport);
            throw e;
        }
        DockerClientConfig config = config(version);
        this.http = transport;
        this.apiVersion = version;
        this.client = DockerClientImpl.getInstance(config, transport);
        return client;
    }

    /** Asks the engine (without a version prefix, which every engine accepts) which versions it speaks. */
    private static String negotiate(DockerHttpClient transport, String address) {
        DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET).path("/version").build();
        try (DockerHttpClient.Response response = transport.execute(request);
             InputStream body = response.getBody()) {
            if (response.getStatusCode() != 200) {
                throw new DockerStepException("the Docker engine at " + address + " answered /version with HTTP "
                        + response.getStatusCode());
            }
            JsonNode version = JSON.readTree(body);
            String max = version.path("ApiVersion").asText(null);
            String min = version.path("MinAPIVersion").asText(null);
            if (max == null) {
                throw new DockerStepException("the Docker engine at " + address + " did not report its API version");
            }
            return ApiVersions.negotiate(max, min, CLIENT_MAX_API_VERSION);
        } catch (IOException | RuntimeException e) {
            if (e instanceof DockerStepException d) {
                throw d;
            }
            throw new DockerStepException("cannot reach the Docker engine at " + address + ": " + Errors.rootMessage(e), e);
        }
    }

    private DockerClientConfig config(String version) {
        DefaultDockerClientConfig.Builder b = DefaultDockerClientConfig.createDefaultConfigBuilder();
        if (host != null) {
            b.withDockerHost(host);
        }
        if (tlsVerify != null) {
            b.withDockerTlsVerify(tlsVerify);
        }
        if (certPath != null) {
            b.withDockerCertPath(certPath);
        }
        if (config != null) {
            b.withDockerConfig(config);
        }
        if (version != null) {
            b.withApiVersion(version);
        }
        return b.build();
    }
}
