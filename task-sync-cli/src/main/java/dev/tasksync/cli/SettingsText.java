package dev.tasksync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Settings text read from {@code @file} or standard input: bounded in size, strictly UTF-8, errors that say why. */
final class SettingsText {
    /** Far above any real settings document; stops {@code @/dev/zero} from filling the heap. */
    static final int MAX_BYTES = 10 * 1024 * 1024;

    private SettingsText() {
    }

    static String readFile(String name) {
        Path file;
        try {
            file = Paths.get(name);
        } catch (InvalidPathException e) {
            throw new Cli.UsageException("cannot read settings file '" + name + "': not a valid path (" + e.getReason() + ")");
        }
        if (name.isEmpty()) {
            throw new Cli.UsageException("--settings @: name the file after @, e.g. --settings @build.json");
        }
        if (Files.isDirectory(file)) {
            throw new Cli.UsageException("cannot read settings file " + file + ": it is a directory");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return decode(readBounded(in), "settings file " + file);
        } catch (NoSuchFileException e) {
            throw new Cli.UsageException("settings file " + file + " does not exist");
        } catch (IOException e) {
            throw new Cli.UsageException("cannot read settings file " + file + ": " + reason(e));
        }
    }

    static byte[] readBounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
            throw new IOException("larger than " + MAX_BYTES / (1024 * 1024) + " MiB; settings are a small JSON document");
        }
        return bytes;
    }

    /** The text of UTF-8 bytes; anything else is refused with the offset of the first bad byte. */
    static String decode(byte[] bytes, String source) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new Cli.UsageException(source + " is not valid UTF-8: byte " + in.position()
                    + String.format(" (0x%02x)", bytes[in.position()] & 0xff)
                    + " cannot be decoded; save the file as UTF-8");
        }
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text; // a BOM is not part of the JSON
    }

    /** What went wrong, in words (Java's NIO exceptions often carry only the file name). */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof CharacterCodingException) {
            return "not valid UTF-8";
        }
        String m = e.getMessage();
        if (e instanceof FileSystemException fs) {
            return fs.getReason() != null ? fs.getReason() : e.getClass().getSimpleName();
        }
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
