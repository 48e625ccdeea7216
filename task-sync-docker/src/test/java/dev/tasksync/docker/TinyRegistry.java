package dev.tasksync.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

/**
 * A minimal Docker registry (HTTP API v2, read-only) on 127.0.0.1 serving one image taken from the engine with
 * {@code docker save}, so docker_pull can be tested where no real registry is reachable. The engine allows plain
 * HTTP to registries on 127.0.0.0/8 (after trying HTTPS: a TLS hello is answered by closing the connection, so
 * the engine falls back at once). One request per connection.
 */
final class TinyRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServerSocket server;
    private final Map<String, byte[]> blobs = new HashMap<>();
    private final Map<String, byte[]> manifests = new HashMap<>();
    final AtomicInteger manifestRequests = new AtomicInteger();

    TinyRegistry() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread t = new Thread(() -> handle(socket), "tiny-registry-request");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "tiny-registry");
        accept.setDaemon(true);
        accept.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Serves {@code image} (saved from the engine) as {@code repository:tag}; returns the image id (config digest). */
    String serve(DockerConnection docker, String image, String repository, String tag) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        try (InputStream saved = docker.client().saveImageCmd(image).exec();
             TarArchiveInputStream tar = new TarArchiveInputStream(saved)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) {
                    files.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        JsonNode saved = JSON.readTree(files.get("manifest.json")).get(0);
        byte[] config = files.get(saved.get("Config").asText());
        String configDigest = digest(config);
        blobs.put(configDigest, config);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", "application/vnd.docker.distribution.manifest.v2+json");
        manifest.putObject("config").put("mediaType", "application/vnd.docker.container.image.v1+json")
                .put("size", config.length).put("digest", configDigest);
        ArrayNode layers = manifest.putArray("layers");
        for (JsonNode layer : saved.get("Layers")) {
            byte[] gz = gzip(files.get(layer.asText()));
            String d = digest(gz);
            blobs.put(d, gz);
            layers.addObject().put("mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip")
                    .put("size", gz.length).put("digest", d);
        }
        byte[] body = JSON.writeValueAsBytes(manifest);
        manifests.put(repository + ":" + tag, body);
        manifests.put(repository + ":" + digest(body), body);
        return configDigest;
    }

    private void handle(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (head.length() == 0 && c == 0x16) {
                    return; // a TLS hello: close, the engine retries over plain HTTP
                }
                head.append((char) c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            String[] requestLine = head.toString().split("\r\n")[0].split(" ");
            if (requestLine.length < 2) {
                return;
            }
            boolean isHead = requestLine[0].equals("HEAD");
            String path = requestLine[1].replaceAll("\\?.*$", "");
            Map<String, String> headers = new HashMap<>();
            headers.put("Docker-Distribution-API-Version", "registry/2.0");
            int status = 404;
            String type = "application/json";
            byte[] body = "{\"errors\":[{\"code\":\"UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8);
            int m = path.indexOf("/manifests/");
            int b = path.indexOf("/blobs/");
            if (path.equals("/v2/") || path.equals("/v2")) {
                status = 200;
                body = "{}".getBytes(StandardCharsets.UTF_8);
            } else if (m > 0) {
                manifestRequests.incrementAndGet();
                byte[] found = manifests.get(path.substring(4, m) + ":" + path.substring(m + "/manifests/".length()));
                if (found != null) {
                    status = 200;
                    body = found;
                    type = "application/vnd.docker.distribution.manifest.v2+json";
                    headers.put("Docker-Content-Digest", digest(found));
                }
            } else if (b > 0) {
                String d = path.substring(b + "/blobs/".length());
                byte[] found = blobs.get(d);
                if (found != null) {
                    status = 200;
                    body = found;
                    type = "application/octet-stream";
                    headers.put("Docker-Content-Digest", d);
                }
            }
            StringBuilder response = new StringBuilder("HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\n");
            response.append("Content-Type: ").append(type).append("\r\n");
            response.append("Content-Length: ").append(body.length).append("\r\n");
            response.append("Connection: close\r\n");
            headers.forEach((k, v) -> response.append(k).append(": ").append(v).append("\r\n"));
            response.append("\r\n");
            out.write(response.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (!isHead) {
                out.write(body);
            }
            out.flush();
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    static String digest(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
