package dev.tasksync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tasksync.internal.hashing.FileHasher;
import dev.tasksync.internal.store.Store;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a step's fingerprint is made of: its settings, the content of the files it watches, and
 * its upstream steps' fingerprints. Stored beside the fingerprint so a plan can say what changed.
 */
record Inputs(String settings, Map<String, String> files, Map<Integer, String> upstream) {

    Inputs {
        files = new TreeMap<>(files);
        upstream = new TreeMap<>(upstream);
    }

    String fingerprint() {
        StringBuilder sb = new StringBuilder("settings ").append(settings).append('\n');
        files.forEach((path, hash) -> sb.append("file ").append(path).append(' ').append(hash).append('\n'));
        upstream.forEach((id, fp) -> sb.append("upstream ").append(id).append(' ').append(fp).append('\n'));
        return FileHasher.sha256(sb.toString());
    }

    ObjectNode toJson() {
        ObjectNode json = Store.JSON.createObjectNode();
        json.put("settings", settings);
        ObjectNode f = json.putObject("files");
        files.forEach(f::put);
        ObjectNode u = json.putObject("upstream");
        upstream.forEach((id, fp) -> u.put(String.valueOf(id), fp));
        return json;
    }

    /** Per-file hashes for the step's results; missing files are left out. */
    ObjectNode fileHashes() {
        ObjectNode json = Store.JSON.createObjectNode();
        files.forEach((path, hash) -> {
            if (!FileHasher.MISSING.equals(hash)) {
                json.put(path, hash);
            }
        });
        return json;
    }

    static Inputs fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            return null;
        }
        Map<String, String> files = new TreeMap<>();
        json.path("files").fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
        Map<Integer, String> upstream = new TreeMap<>();
        json.path("upstream").fields().forEachRemaining(e -> upstream.put(Integer.valueOf(e.getKey()), e.getValue().asText()));
        return new Inputs(json.path("settings").asText(), files, upstream);
    }

    /** Why {@code this} differs from the inputs of the last successful run, in a few words. */
    String whatChangedSince(Inputs previous) {
        if (!Objects.equals(settings, previous.settings)) {
            return "settings changed";
        }
        for (var e : files.entrySet()) {
            String before = previous.files.get(e.getKey());
            if (before == null) {
                return "file " + e.getKey() + " added";
            }
            if (!before.equals(e.getValue())) {
                return FileHasher.MISSING.equals(e.getValue()) ? "file " + e.getKey() + " missing"
                        : "file " + e.getKey() + " changed";
            }
        }
        for (String path : previous.files.keySet()) {
            if (!files.containsKey(path)) {
                return "file " + path + " removed";
            }
        }
        return upstream.equals(previous.upstream) ? null : "upstream changed";
    }
}
