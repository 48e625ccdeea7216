package dev.tasksync.console;

import java.util.Locale;

/** What a console user may do: a viewer looks; an operator also runs and cancels; an admin also manages users. */
public enum Role {
    VIEWER, OPERATOR, ADMIN;

    private final String dbValue = name().toLowerCase(Locale.ROOT);

    /** The stored (and typed) value: {@code viewer}, {@code operator}, {@code admin}. */
    public String dbValue() {
        return dbValue;
    }

    @Override
    public String toString() {
        return dbValue;
    }

    public boolean mayOperate() {
        return this != VIEWER;
    }

    public boolean mayManageUsers() {
        return this == ADMIN;
    }

    /** The role named {@code value} (any case); the message lists the roles there are. */
    public static Role parse(String value) {
        for (Role r : values()) {
            if (r.dbValue.equalsIgnoreCase(value == null ? "" : value.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("role: '" + value + "' is not a role; use viewer, operator or admin");
    }
}
