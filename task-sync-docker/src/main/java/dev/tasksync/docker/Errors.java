package dev.tasksync.docker;

/** Turning docker-java exceptions into messages that name what failed. */
final class Errors {
    private Errors() {
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        String message = null;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (message == null) {
            return root.getClass().getSimpleName();
        }
        return message.strip();
    }

    /** Docker's JSON error bodies look like {"message":"..."}; return the message alone. */
    static String engineMessage(Throwable e) {
        String m = rootMessage(e);
        int i = m.indexOf("{\"message\":\"");
        if (i >= 0) {
            int start = i + "{\"message\":\"".length();
            int end = m.indexOf("\"}", start);
            if (end > start) {
                return m.substring(start, end);
            }
        }
        return m;
    }
}
