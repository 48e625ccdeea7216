package dev.tasksync.internal.db;

import dev.tasksync.embedded.EmbeddedServer;
import dev.tasksync.embedded.SharedServer;

import java.nio.file.Path;
import java.util.Optional;

/** Starts or shares the embedded server; loaded only once {@link EmbeddedDatabase#available()} said the module is there. */
final class EmbeddedStart {
    private EmbeddedStart() {
    }

    static EmbeddedDatabase.Server open(Path dataDirectory) {
        Path dir = (dataDirectory != null ? dataDirectory : EmbeddedServer.defaultHome().resolve("postgres"))
                .toAbsolutePath().normalize();
        // The CLI keeps a server running on this directory between commands: share it.
        SharedServer sharedServer = dir.getParent() == null ? null : SharedServer.in(dir.getParent());
        Optional<SharedServer.Info> shared = sharedServer == null ? Optional.empty()
                : sharedServer.status().filter(i -> i.dataDirectory().equals(dir));
        if (shared.isPresent()) {
            String url = sharedServer.ensureRunning().jdbcUrl();
            return new EmbeddedDatabase.Server(url, EmbeddedServer.USER, sharedServer.password(), null);
        }
        EmbeddedServer server = EmbeddedServer.start(dir, 0);
        return new EmbeddedDatabase.Server(server.jdbcUrl(), server.user(), server.password(), server);
    }
}
