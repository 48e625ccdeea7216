package dev.tasksync.embedded;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The embedded server's superuser password: generated once, kept beside its data directory
 * ({@code <home>/postgres.password} for {@code <home>/postgres}) in a file only its owner may read (0600).
 */
public final class PasswordFile {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordFile() {
    }

    /** Where the password of the server with its data in {@code dataDirectory} is kept. */
    public static Path of(Path dataDirectory) {
        Path data = dataDirectory.toAbsolutePath().normalize();
        if (data.getFileName() == null) {
            throw new EmbeddedServerException("the embedded PostgreSQL's data directory cannot be " + data);
        }
        return data.resolveSibling(data.getFileName() + ".password");
    }

    /** The password in {@code file}, when the file exists (it is made owner-only if it was not). */
    public static Optional<String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            if (posix(file)) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (!OWNER_ONLY.containsAll(permissions)) {
                    Files.setPosixFilePermissions(file, OWNER_ONLY);
                }
            }
            String password = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (password.isEmpty()) {
                throw new EmbeddedServerException("the embedded PostgreSQL's password file " + file + " is empty; "
                        + "delete it and a new password is set on the next start");
            }
            return Optional.of(password);
        } catch (IOException e) {
            throw new EmbeddedServerException("cannot read the embedded PostgreSQL's password file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The password in {@code file}; a new random one written there first when the file is missing. */
    static String readOrCreate(Path file) {
        Optional<String> existing = read(file);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        // URL-safe Base64 (letters, digits, '-', '_'): safe inside an SQL string literal and a pwfile
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try {
            Path dir = file.getParent();
            if (!Files.isDirectory(dir)) {
                createPrivateDirectories(dir);
            }
            Path tmp = dir.resolve(file.getFileName() + ".tmp" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            // created owner-only (never readable by others, not even for a moment), then linked into place:
            // linking fails when another process created the file first, and then that password is the one
            Files.write(posix(dir) ? Files.createFile(tmp, permissions()) : Files.createFile(tmp),
                    (password + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException raced) {
                return read(file).orElseThrow();
            } catch (UnsupportedOperationException noHardLinks) {
                Files.move(tmp, file);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return password;
        } catch (IOException e) {
            throw new EmbeddedServerException("cannot write the embedded PostgreSQL's password file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code dir} (and missing parents) readable by its owner only, where the file system allows. */
    static void createPrivateDirectories(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
        }
        try {
            if (posix(parent)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            // created meanwhile by another process
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> permissions() {
        return PosixFilePermissions.asFileAttribute(OWNER_ONLY);
    }

    private static boolean posix(Path path) {
        return path != null && path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
